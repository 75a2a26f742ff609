import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { call } from '../helpers/http.js';

/** The real Seattle weather data (vega-datasets), the same data the example model is trained on. */
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const SEATTLE_CSV = readFileSync(join(root, 'node_modules/vega-datasets/data/seattle-weather.csv'), 'utf8');

function csvToJsonLines(csv: string): string {
  const [header, ...rows] = csv.trim().split('\n');
  const names = header.split(',');
  return rows
    .map((r) => {
      const cells = r.split(',');
      return JSON.stringify(Object.fromEntries(names.map((n, i) => [n, i === 0 || i === 5 ? cells[i] : Number(cells[i])])));
    })
    .join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'mw-raw-'));
let c: RunningCollector;
const url = (model: string) => `${c.url}/api/v1/models/${model}/baselines`;

beforeAll(async () => {
  c = await startCollector({ port: 0, db: join(dir, 'raw.db'), evaluateEvery: '1h' });
});
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('raw training data uploads', () => {
  it('profiles an uploaded CSV server-side into the active baseline', async () => {
    const res = await call(url('weather'), { body: SEATTLE_CSV, type: 'text/csv' });
    expect(res).toMatchObject({ status: 201, body: { model: 'weather', version: '1', active: true } });
    const profile = (await call(`${url('weather')}/active`)).body;
    expect(profile.rows).toBe(1461);
    const types = Object.fromEntries(profile.features.map((f: { name: string; type: string }) => [f.name, f.type]));
    expect(types).toMatchObject({ precipitation: 'numeric', temp_max: 'numeric', temp_min: 'numeric', wind: 'numeric', weather: 'categorical' });
    const wind = profile.features.find((f: { name: string }) => f.name === 'wind');
    expect(wind.bins.counts.reduce((a: number, b: number) => a + b, 0)).toBe(1461);
    expect(profile.metadata.source).toBe('upload (text/csv)');
  });

  it('profiles newline-delimited JSON the same way', async () => {
    const res = await call(url('weather-jsonl'), { body: csvToJsonLines(SEATTLE_CSV), type: 'application/x-ndjson' });
    expect(res.status).toBe(201);
    const profile = (await call(`${url('weather-jsonl')}/active`)).body;
    expect(profile.rows).toBe(1461);
    const csvWind = (await call(`${url('weather')}/active`)).body.features.find((f: { name: string }) => f.name === 'wind');
    const jsonWind = profile.features.find((f: { name: string }) => f.name === 'wind');
    expect(jsonWind.bins.edges).toEqual(csvWind.bins.edges);
    expect(jsonWind.mean).toBeCloseTo(csvWind.mean, 12);
  });

  it('profiles an uploaded Parquet file (INT64 arrives as BigInt) like the same data as CSV', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const [header, ...lines] = SEATTLE_CSV.trim().split('\n');
    const names = header.split(',');
    const rows = lines.map((l) => l.split(','));
    const col = (name: string) => rows.map((r) => r[names.indexOf(name)]!);
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'day', data: rows.map((_, i) => BigInt(i)), type: 'INT64' },
        ...['precipitation', 'temp_max', 'temp_min', 'wind'].map((n) => ({ name: n, data: col(n).map(Number), type: 'DOUBLE' as const })),
        { name: 'weather', data: col('weather'), type: 'STRING' },
      ],
      rowGroupSize: 500,
    });
    const res = await call(url('weather-parquet'), { body: new Uint8Array(buffer), type: 'application/vnd.apache.parquet' });
    expect(res).toMatchObject({ status: 201, body: { model: 'weather-parquet', version: '1', active: true } });
    const profile = (await call(`${url('weather-parquet')}/active`)).body;
    expect(profile.rows).toBe(1461);
    const day = profile.features.find((f: { name: string }) => f.name === 'day');
    expect(day).toMatchObject({ type: 'numeric', min: 0, max: 1460, count: 1461 });
    const csvWind = (await call(`${url('weather')}/active`)).body.features.find((f: { name: string }) => f.name === 'wind');
    const parquetWind = profile.features.find((f: { name: string }) => f.name === 'wind');
    expect(parquetWind.bins).toEqual(csvWind.bins);
    const weather = profile.features.find((f: { name: string }) => f.name === 'weather');
    expect(weather.type).toBe('categorical');
  });

  it('returns 400 for a Parquet body that is not a Parquet file, without leaking the tmp path', async () => {
    const res = await call(url('broken'), { body: 'definitely not parquet', type: 'application/vnd.apache.parquet' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^unreadable parquet data/);
    expect(res.body.error).not.toMatch(/mw-upload-/);
    expect((await call(url('broken'))).status).toBe(404);
  });

  it('returns 400 for CSV data without a usable row', async () => {
    const res = await call(url('empty-csv'), { body: 'a,b\n', type: 'text/csv' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/no usable rows/);
  });
});

describe('raw uploads are spooled to disk, bounded by the body limit', () => {
  let small: RunningCollector;
  beforeAll(async () => {
    small = await startCollector({ port: 0, db: join(dir, 'small.db'), evaluateEvery: '1h', maxBodyBytes: 4096 });
  });
  afterAll(async () => small?.close());

  it('answers 413 for a CSV over the limit, whether or not it declares its length', async () => {
    const declared = await call(`${small.url}/api/v1/models/big/baselines`, { body: SEATTLE_CSV, type: 'text/csv' });
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatch(/larger than the limit of 4096 bytes/);
    // Chunked (no Content-Length): the spool stops at the limit.
    const chunks = SEATTLE_CSV.match(/[\s\S]{1,1000}/g)!;
    const res = await fetch(`${small.url}/api/v1/models/big/baselines`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('profiles a small CSV under the limit', async () => {
    const csv = SEATTLE_CSV.split('\n').slice(0, 60).join('\n') + '\n';
    const res = await call(`${small.url}/api/v1/models/small/baselines`, { body: csv, type: 'text/csv' });
    expect(res.status).toBe(201);
    expect((await call(`${small.url}/api/v1/models/small/baselines/active`)).body.rows).toBe(59);
  });
});

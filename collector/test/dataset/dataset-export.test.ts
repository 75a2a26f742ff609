import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newPredictionId, parseBaselineProfile, type PredictionRecord } from '@modelwatch/core';
import { run as baseline } from '../../../cli/src/commands/baseline.js';
import { run as dataset } from '../../../cli/src/commands/dataset.js';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { call } from '../helpers/http.js';
import { createRecord } from '../helpers/records.js';

const TOKEN = 'dataset-token';
const dir = mkdtempSync(join(tmpdir(), 'mw-dataset-'));
const HOUR = 3_600_000;
let c: RunningCollector;
let start: number;
let inPeriod: PredictionRecord[];

async function capture(fn: (argv: string[]) => Promise<number>, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await fn(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

const CITIES = ['Seattle', 'New York', 'Oslo, NO'];

beforeAll(async () => {
  c = await startCollector({ port: 0, db: join(dir, 'c.db'), token: TOKEN, evaluateEvery: '1h', predictionRetention: '7d' });
  start = Date.now() - 3 * HOUR;
  const make = (i: number, atMs: number) =>
    createRecord('weather', 0, {
      id: newPredictionId(atMs),
      time: new Date(atMs).toISOString(),
      prediction: i % 3 === 0 ? 'rain' : 'sun',
      confidence: 0.5 + (i % 5) / 10,
      inputs: { temp: -5 + i * 0.5, city: CITIES[i % 3], windy: i % 4 === 0 },
    });
  // 60 answers in the first hour, 20 more two hours later (outside the exported period).
  inPeriod = Array.from({ length: 60 }, (_, i) => make(i, start + i * 60_000));
  const later = Array.from({ length: 20 }, (_, i) => make(100 + i, start + 2 * HOUR + i * 1000));
  await call(`${c.url}/api/v1/models/weather/predictions`, { body: { records: [...inPeriod, ...later] }, token: TOKEN });
  // Every answer but every fifth gets its label.
  const items = [...inPeriod, ...later].filter((_, i) => i % 5 !== 4).map((r, i) => ({ predictionId: r.id, label: i % 2 === 0 ? 'sun' : 'rain' }));
  await call(`${c.url}/api/v1/models/weather/feedback`, { body: { items }, token: TOKEN });
});
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

const period = () => ['--from', new Date(start - 1).toISOString(), '--to', new Date(start + HOUR).toISOString()];
const labelledInPeriod = () => inPeriod.filter((_, i) => i % 5 !== 4);

describe('dataset export', () => {
  it('round-trips a labelled period through baseline create, as CSV and as Parquet alike', async () => {
    const profiles = [];
    for (const ext of ['csv', 'parquet']) {
      const file = join(dir, `period.${ext}`);
      const exp = await capture(dataset, ['export', '--model', 'weather', '--out', file, '--collector', c.url, '--token', TOKEN, ...period()]);
      expect(exp.code, exp.err).toBe(0);
      const out = join(dir, `profile-${ext}.json`);
      const made = await capture(baseline, [
        'create', '--data', file, '--model', 'weather', '--out', out,
        '--exclude', 'prediction_id,time,model_version,variant,label', '--outputs', 'prediction:prediction,confidence:confidence',
      ]);
      expect(made.code, made.err).toBe(0);
      profiles.push(parseBaselineProfile(JSON.parse(readFileSync(out, 'utf8'))));
    }
    const labelled = labelledInPeriod();
    for (const p of profiles) {
      expect(p.rows).toBe(labelled.length);
      const temp = p.features.find((f) => f.name === 'temp')!;
      const temps = labelled.map((r) => r.inputs!.temp as number);
      expect(temp).toMatchObject({ type: 'numeric', count: labelled.length, min: Math.min(...temps), max: Math.max(...temps) });
      expect(temp.type === 'numeric' && temp.mean).toBeCloseTo(temps.reduce((a, b) => a + b, 0) / temps.length, 9);
      const city = p.features.find((f) => f.name === 'city')!;
      expect(city.type === 'categorical' && Object.fromEntries(city.categories.map((x) => [x.value, x.count]))).toEqual(
        Object.fromEntries(CITIES.map((name) => [name, labelled.filter((r) => r.inputs!.city === name).length])),
      );
      expect(p.outputs.map((o) => [o.name, o.role])).toEqual([['prediction', 'prediction'], ['confidence', 'confidence']]);
    }
    // The two formats describe the same data.
    expect(profiles[1].features).toEqual(profiles[0].features);
  });

  it('streams JSON lines with the label of each record, or every record of the period with labelled=false', async () => {
    const q = `from=${start - 1}&to=${start + HOUR}`;
    const res = await fetch(`${c.url}/api/v1/models/weather/dataset?${q}&format=jsonl`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="weather-.*\.jsonl"/);
    const rows = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.length).toBe(labelledInPeriod().length);
    expect(Object.keys(rows[0])).toEqual(['prediction_id', 'time', 'model_version', 'variant', 'prediction', 'confidence', 'label', 'temp', 'city', 'windy']);
    expect(rows[0]).toMatchObject({ prediction_id: inPeriod[0].id, prediction: 'rain', label: 'sun', temp: -5, city: 'Seattle', windy: 'true' });
    const all = await fetch(`${c.url}/api/v1/models/weather/dataset?${q}&format=jsonl&labelled=false`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const allRows = (await all.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(allRows.length).toBe(60);
    expect(allRows.filter((r) => r.label === null).length).toBe(12);
  });

  it('refuses a bad format or period with a coded 400, and needs a token because records hold inputs', async () => {
    const bad = await call(`${c.url}/api/v1/models/weather/dataset?format=xlsx`, { token: TOKEN });
    expect([bad.status, bad.body.code]).toEqual([400, 'MW_ERR_DATASET_QUERY']);
    const backwards = await call(`${c.url}/api/v1/models/weather/dataset?from=${start}&to=${start - 1}`, { token: TOKEN });
    expect(backwards.status).toBe(400);
    expect((await call(`${c.url}/api/v1/models/weather/dataset`)).status).toBe(401);
    const cli = await capture(dataset, ['export', '--model', 'weather', '--out', join(dir, 'x.xlsx'), '--collector', c.url]);
    expect(cli.code).toBe(2);
  });
});

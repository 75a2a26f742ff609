/**
 * The DuckDB batch path against the streaming path on real data (vega-datasets Seattle weather
 * and flights): exact counts stay exact (totals, per chunk, window), moments match, Parquet gives
 * the same profile as CSV, and files DuckDB rejects fall back to the streaming readers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  binCounts,
  parseBaselineProfile,
  profileFileBatch,
  windowFromFile,
  windowFromFileBatch,
  type BaselineProfile,
  type CategoricalFeatureProfile,
  type NumericFeatureProfile,
} from '@modelwatch/core';
import { openEngine } from '../../src/batch/engine.js';
import { profileWithEngine } from '../../src/batch/profile.js';

/**
 * Two profiles equal in everything but the last bits of mean and std: each is a compensated sum
 * whose parallel parts can add up in another order (CSV and Parquet are split differently).
 */
function expectSameProfile(a: BaselineProfile, b: BaselineProfile): void {
  const moments = (p: BaselineProfile) => [...p.features, ...p.outputs].flatMap((f) => (f.type === 'numeric' ? [f.mean, f.std] : []));
  const strip = (p: BaselineProfile) => ({
    ...p,
    createdAt: '',
    metadata: {},
    features: p.features.map((f) => (f.type === 'numeric' ? { ...f, mean: 0, std: 0 } : f)),
    outputs: p.outputs.map((f) => (f.type === 'numeric' ? { ...f, mean: 0, std: 0 } : f)),
  });
  expect(strip(a)).toEqual(strip(b));
  const mb = moments(b);
  moments(a).forEach((m, i) => expect(Math.abs(m - mb[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(m))));
}

const SEATTLE = 'node_modules/vega-datasets/data/seattle-weather.csv';
const dir = mkdtempSync(join(tmpdir(), 'modelwatch-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = readFileSync(SEATTLE, 'utf8').trim().split('\n');
const header = lines[0]!.split(',');
const rows = lines.slice(1).map((l) => l.split(','));
const column = (name: string) => rows.map((r) => r[header.indexOf(name)]!);

describe('profileFileBatch (DuckDB)', () => {
  it('counts every bin exactly, in total and per chunk, with the streaming chunking', async () => {
    const { profile, engine, stats } = await profileFileBatch(SEATTLE, { model: 'm', exclude: ['date'], outputs: [{ name: 'weather', role: 'prediction' }], chunkRows: 100 });
    expect(engine).toBe('duckdb');
    expect(stats.rows).toBe(1461);
    parseBaselineProfile(JSON.parse(JSON.stringify(profile))); // a valid profile
    expect(profile.features.map((f) => `${f.name}:${f.type}`)).toEqual(['precipitation:numeric', 'temp_max:numeric', 'temp_min:numeric', 'wind:numeric']);
    expect(profile.outputs.map((o) => `${o.name}:${o.type}:${o.role}`)).toEqual(['weather:categorical:prediction']);
    // 1461 rows in chunks of 100: 14 full chunks, the last 61 rows (≥ half) a chunk of their own.
    expect(profile.chunks.map((c) => c.rows)).toEqual([...Array(14).fill(100), 61]);
    for (const f of [...profile.features, ...profile.outputs]) {
      const values = column(f.name);
      expect(binCounts(f, values).counts, f.name).toEqual(f.type === 'numeric' ? f.bins.counts : [...f.categories.map((c) => c.count), f.otherCount]);
      profile.chunks.forEach((chunk, k) => expect(binCounts(f, values.slice(k * 100, k * 100 + chunk.rows)).counts, `${f.name} chunk ${k}`).toEqual(chunk.counts[f.name]));
    }
    const temp = profile.features.find((f) => f.name === 'temp_max') as NumericFeatureProfile;
    const xs = column('temp_max').map(Number);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(temp.mean).toBeCloseTo(mean, 10);
    expect(temp.std).toBeCloseTo(Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length), 10);
    expect([temp.min, temp.max]).toEqual([Math.min(...xs), Math.max(...xs)]);
    // Edges are exact quantiles: the first the min, the last the max, ascending.
    expect(temp.bins.edges[0]).toBe(temp.min);
    expect(temp.bins.edges.at(-1)).toBe(temp.max);
    const weather = profile.outputs[0] as CategoricalFeatureProfile;
    expect(weather.categories.map((c) => c.value)).toEqual(['rain', 'sun', 'fog', 'drizzle', 'snow']);
  });

  it('gives the same profile from Parquet as from CSV', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const names = ['precipitation', 'temp_max', 'temp_min', 'wind'];
    const buffer = parquetWriteBuffer({
      columnData: [...names.map((n) => ({ name: n, data: column(n).map(Number), type: 'DOUBLE' as const })), { name: 'weather', data: column('weather'), type: 'STRING' as const }],
    });
    const pq = join(dir, 'seattle.parquet');
    writeFileSync(pq, Buffer.from(buffer));
    const fromCsv = await profileFileBatch(SEATTLE, { model: 'm', exclude: ['date'] });
    const fromParquet = await profileFileBatch(pq, { model: 'm' });
    expect(fromParquet.engine).toBe('duckdb');
    expectSameProfile(fromParquet.profile, fromCsv.profile);
  });

  it('numbers the rows of a CSV read in parallel in file order: every chunk recounts exactly, as from Parquet', async () => {
    // 400,000 rows (≈ 17 MB): DuckDB splits a CSV into ranges of ≈ 8 MB, one per thread, so the
    // rows are parsed out of order and only the order-preserving load keeps the chunks right.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const csv = join(dir, 'big.csv');
    const pq = join(dir, 'big.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    // A trend along the file: chunks cut anywhere else than by file order count differently.
    const select = `SELECT round(i / 1000.0 + (hash(i) % 1000) / 100.0, 3) AS x, (hash(i * 7) % 97)::DOUBLE AS y, round(ln(1 + i), 6) AS z, CASE WHEN i % 11 = 0 THEN 'a' WHEN i % 3 = 0 THEN 'b' ELSE 'c' || (i // 100000) END AS k FROM range(400000) t(i)`;
    await con.run(`COPY (${select}) TO '${csv}' (HEADER, DELIMITER ',')`);
    await con.run(`COPY (${select}) TO '${pq}' (FORMAT PARQUET, ROW_GROUP_SIZE 50000)`);
    con.closeSync();
    db.closeSync();
    const fromCsv = await profileFileBatch(csv, { model: 'm', chunkRows: 7_000 });
    const fromParquet = await profileFileBatch(pq, { model: 'm', chunkRows: 7_000 });
    expect([fromCsv.engine, fromParquet.engine]).toEqual(['duckdb', 'duckdb']);
    const text = readFileSync(csv, 'utf8').trim().split('\n');
    const names = text[0]!.split(',');
    const cells = text.slice(1).map((l) => l.split(','));
    const profile = fromCsv.profile;
    expect(profile.chunks.length).toBe(57);
    for (const f of [...profile.features, ...profile.outputs]) {
      const values = cells.map((r) => r[names.indexOf(f.name)]!);
      profile.chunks.forEach((chunk, k) => expect(binCounts(f, values.slice(k * 7_000, k * 7_000 + chunk.rows)).counts, `${f.name} chunk ${k}`).toEqual(chunk.counts[f.name]));
    }
    expectSameProfile(fromParquet.profile, profile);
  }, 60_000);

  it('profiles a CSV whose table is estimated over the pool (loaded on one thread) as one that fits', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const csv = join(dir, 'spills.csv');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    // 1.2M rows × 3 numbers + 1 text column: a ≈ 70 MB table (the estimate's), over a 64 MB pool.
    await con.run(`COPY (SELECT round(i / 1000.0 + (hash(i) % 1000) / 100.0, 3) AS x, (hash(i * 7) % 97)::DOUBLE AS y, round(ln(1 + i), 6) AS z, CASE WHEN i % 11 = 0 THEN 'a' ELSE 'c' || (i // 100000) END AS k FROM range(1200000) t(i)) TO '${csv}' (HEADER, DELIMITER ',')`);
    con.closeSync();
    db.closeSync();
    const fits = await profileFileBatch(csv, { model: 'm', chunkRows: 25_000 });
    expect(fits.engine).toBe('duckdb');
    const small = await openEngine('64MB');
    try {
      const spilled = await profileWithEngine(small, csv, 'csv', { model: 'm', chunkRows: 25_000 });
      expect(spilled.rows).toBe(1_200_000);
      expectSameProfile(spilled.profile, fits.profile);
    } finally {
      small.close();
    }
  }, 60_000);

  it('falls back to the streaming reader for a ragged CSV, which skips and reports the bad row', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n3\n4,5\n');
    const r = await profileFileBatch(bad, { model: 'm' });
    expect(r.engine).toBe('streaming');
    expect(r.fallbackReason).toBeTruthy();
    expect(r.stats.badRows).toBe(1);
  });
});

describe('windowFromFileBatch (DuckDB)', () => {
  it('counts a window file in one pass exactly as the streaming reader does', async () => {
    const train = join(dir, 'train.csv');
    writeFileSync(train, [lines[0], ...lines.slice(1, 1097)].join('\n') + '\n');
    const recent = join(dir, 'recent.csv');
    // A missing value and a "NA" token in the window, counted as missing by both paths.
    writeFileSync(recent, [lines[0], ...lines.slice(1097), '2016-01-01,,5.0,NA,3.1,rain'].join('\n') + '\n');
    const { profile } = await profileFileBatch(train, { model: 'm', exclude: ['date'], outputs: [{ name: 'weather', role: 'prediction' }] });
    const fast = await windowFromFileBatch(recent, profile);
    const slow = await windowFromFile(recent, profile);
    expect(fast.engine).toBe('duckdb');
    expect(fast.stats.rows).toBe(slow.stats.rows);
    expect(fast.window.features).toEqual(slow.window.features);
    expect(fast.window.outputs).toEqual(slow.window.outputs);
    expect(fast.window.features.find((f) => f.name === 'temp_min')!.missing).toBe(1);
    expect(fast.window.features.find((f) => f.name === 'precipitation')!.missing).toBe(1);
  });
});

/**
 * The batch path end to end, side by side in one run: `baseline create` + `drift` on a pair of
 * 1,000,000-row × 20-numeric-column files (CSV and Parquet), DuckDB engine vs the streaming
 * readers, and SciPy's ks_2samp + wasserstein_distance (Debian python3) over the same columns.
 * Each command runs as its own process under /usr/bin/time: wall seconds and peak RSS.
 * Run: npx tsc -b && npx tsx bench/core/batch.ts [--rows 1000000] [--big 10000000] [--no-streaming]
 * Evidently's DataDriftPreset on the same shape of data is quoted, not run (no pandas here): about
 * 80 s and 1.9 GB peak RSS, measured on this machine when the issue was filed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, big: { type: 'string' }, 'no-streaming': { type: 'boolean', default: false } } });
const ROWS = Number(values.rows);
const COLUMNS = 20;
const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'cli', 'bin', 'modelwatch.js');
const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-batch-'));
const EVIDENTLY = { wallS: 80, rssMB: 1900 };

/** Deterministic data from hashes (DuckDB writes it, multi-threaded): normal, exponential, integer counts. */
function columnSql(c: number, seed: number, shift: number): string {
  const u = (k: number) => `((hash(i * ${COLUMNS * 2} + ${c * 2 + k} + ${seed} * 1000003) % 1000000007) + 0.5) / 1000000007.0`;
  if (c % 3 === 0) return `round(sqrt(-2 * ln(${u(0)})) * cos(2 * pi() * ${u(1)}) * ${c + 1} + ${c} + ${shift * (c + 1)}, 4) AS f${c}`;
  if (c % 3 === 1) return `round(-ln(${u(0)}) * ${10 * (1 + shift)}, 4) AS f${c}`;
  return `floor(${u(0)} * 50)::DOUBLE AS f${c}`;
}

async function generate(rows: number): Promise<{ train: string; window: string; trainPq: string; windowPq: string; trainBin: string; windowBin: string }> {
  const db = await DuckDBInstance.create(':memory:', { memory_limit: '1GB', temp_directory: join(dir, 'gen-spill') });
  const con = await db.connect();
  const out = { train: join(dir, `train-${rows}.csv`), window: join(dir, `window-${rows}.csv`), trainPq: join(dir, `train-${rows}.parquet`), windowPq: join(dir, `window-${rows}.parquet`), trainBin: join(dir, `train-${rows}.f64`), windowBin: join(dir, `window-${rows}.f64`) };
  for (const [csv, pq, seed, shift] of [[out.train, out.trainPq, 1, 0], [out.window, out.windowPq, 2, 0.1]] as const) {
    const select = `SELECT ${Array.from({ length: COLUMNS }, (_, c) => columnSql(c, seed, shift)).join(', ')} FROM range(${rows}) t(i)`;
    await con.run(`COPY (${select}) TO '${csv}' (HEADER, DELIMITER ',')`);
    await con.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${pq}' (FORMAT PARQUET)`);
  }
  con.closeSync();
  db.closeSync();
  return out;
}

interface Run {
  wallS: number;
  /** user + sys: what the run cost the machine, whatever else shares it. */
  cpuS: number;
  rssMB: number;
}

function timed(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync('/usr/bin/time', ['-f', 'MWTIME %e %M %U %S', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const m = /MWTIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { wallS: Number(m[1]), rssMB: Math.round(Number(m[2]) / 1024), cpuS: Number(m[3]) + Number(m[4]) };
}

function batchPair(train: string, window: string, engine: 'duckdb' | 'streaming'): { create: Run; drift: Run } {
  const env: Record<string, string> = engine === 'streaming' ? { MODELWATCH_BATCH_ENGINE: 'streaming' } : {};
  const profile = join(dir, `profile-${engine}.json`);
  const create = timed([process.execPath, cli, 'baseline', 'create', '--data', train, '--model', 'bench', '--out', profile], env);
  const drift = timed([process.execPath, cli, 'drift', '--baseline', profile, '--data', window, '--json'], env);
  return { create, drift };
}

/** Raw float64 columns for numpy (no pandas on Debian's python here): column-major, 20 × rows. */
async function rawColumns(csv: string, bin: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const result = await con.runAndReadAll(`SELECT * FROM read_csv('${csv}')`);
  const cols = result.getColumnsJS() as number[][];
  const buf = new Float64Array(cols.length * cols[0]!.length);
  cols.forEach((c, k) => buf.set(c, k * c.length));
  writeFileSync(bin, Buffer.from(buf.buffer));
  con.closeSync();
  db.closeSync();
}

function scipyRun(trainBin: string, windowBin: string, rows: number): { ksS: number; wassersteinS: number; loadS: number } {
  const program = `
import time, json, numpy as np, scipy.stats as st
t0 = time.perf_counter()
a = np.fromfile('${trainBin}').reshape(${COLUMNS}, ${rows}); b = np.fromfile('${windowBin}').reshape(${COLUMNS}, ${rows})
t1 = time.perf_counter()
for k in range(${COLUMNS}): st.ks_2samp(a[k], b[k])
t2 = time.perf_counter()
for k in range(${COLUMNS}): st.wasserstein_distance(a[k], b[k])
t3 = time.perf_counter()
print(json.dumps({'loadS': t1 - t0, 'ksS': t2 - t1, 'wassersteinS': t3 - t2}))`;
  const r = spawnSync('/usr/bin/python3', ['-c', program], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { ksS: number; wassersteinS: number; loadS: number };
}

const fmt = (r: Run) => `${r.wallS.toFixed(2).padStart(6)} s ${r.cpuS.toFixed(2).padStart(6)} cpu-s ${String(r.rssMB).padStart(5)} MB`;

try {
  const files = await generate(ROWS);
  console.log(`node ${process.version}, ${COLUMNS} numeric columns, ${ROWS} rows per file (CSV ${(statSync(files.train).size / 1e6).toFixed(0)} MB), ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores\n`);
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('path                         baseline create (wall, cpu, RSS)   drift (wall, cpu, RSS)           total wall  total cpu  peak RSS  Evidently/wall');
  const line = (name: string, p: { create: Run; drift: Run }) => {
    const total = p.create.wallS + p.drift.wallS;
    const cpu = p.create.cpuS + p.drift.cpuS;
    console.log(`${name.padEnd(28)} ${fmt(p.create)}   ${fmt(p.drift)}   ${total.toFixed(2).padStart(7)} s ${cpu.toFixed(2).padStart(7)} s ${String(Math.max(p.create.rssMB, p.drift.rssMB)).padStart(6)} MB   ${(EVIDENTLY.wallS / total).toFixed(1)}x`);
    return { total, cpu };
  };
  const csv = line('duckdb, CSV', batchPair(files.train, files.window, 'duckdb'));
  line('duckdb, Parquet', batchPair(files.trainPq, files.windowPq, 'duckdb'));
  if (!values['no-streaming']) {
    const streaming = line('streaming readers, CSV', batchPair(files.train, files.window, 'streaming'));
    console.log(`\nduckdb vs streaming on CSV: ${(streaming.total / csv.total).toFixed(1)}x less wall, ${(streaming.cpu / csv.cpu).toFixed(1)}x less cpu`);
  }
  const create = timed([process.execPath, cli, 'baseline', 'create', '--data', files.train, '--model', 'bench', '--out', join(dir, 'p2.json')]);
  console.log(`profiling throughput (duckdb, CSV): ${((ROWS * COLUMNS) / create.wallS / 1e6).toFixed(1)} M cells/s wall, ${((ROWS * COLUMNS) / create.cpuS / 1e6).toFixed(1)} M cells per cpu-second`);
  await rawColumns(files.train, files.trainBin);
  await rawColumns(files.window, files.windowBin);
  const sp = scipyRun(files.trainBin, files.windowBin, ROWS);
  console.log(
    `SciPy 1.10 on the same ${COLUMNS} column pairs, already in memory: ks_2samp ${sp.ksS.toFixed(2)} s, wasserstein_distance ${sp.wassersteinS.toFixed(2)} s (load of raw float64 ${sp.loadS.toFixed(2)} s, not counted)`,
  );
  console.log(`Evidently DataDriftPreset (quoted, same shape): ~${EVIDENTLY.wallS} s, ~${EVIDENTLY.rssMB} MB peak RSS`);
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (values.big) {
    const big = Number(values.big);
    rmSync(files.trainBin, { force: true });
    rmSync(files.windowBin, { force: true });
    const bigFiles = await generate(big);
    const b = batchPair(bigFiles.train, bigFiles.window, 'duckdb');
    line(`duckdb, CSV, ${big} rows`, b);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

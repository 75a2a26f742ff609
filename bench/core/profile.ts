/**
 * Profiling throughput and memory: a 20-numeric-column CSV and Parquet at 250k and 1M rows,
 * generated into a temp dir, each profiled (two streaming passes) in its own process.
 * Run: npx tsx bench/core/profile.ts [--rows 1000000]
 * Reports cells/s (rows × columns / wall time; the profiler runs on one core) and peak RSS, so
 * flat memory shows as the same RSS at 250k and 1M rows.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parquetWriteBuffer } from 'hyparquet-writer';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const FULL = Number(values.rows);
const COLUMNS = 20;
const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-'));

function generator(seed: number) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Mixed shapes so the sketch sees skew, ties and wide ranges: normal, exponential, integer counts.
  return (c: number) => {
    const u = uniform();
    if (c % 3 === 0) return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * uniform()) * (c + 1) + c;
    if (c % 3 === 1) return -Math.log(1 - u) * 10;
    return Math.floor(u * 50);
  };
}

function writeCsv(path: string, rows: number): void {
  const next = generator(1);
  const fd = openSync(path, 'w');
  writeSync(fd, Array.from({ length: COLUMNS }, (_, c) => `f${c}`).join(',') + '\n');
  let buf: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells = new Array<string>(COLUMNS);
    for (let c = 0; c < COLUMNS; c++) cells[c] = String(Math.round(next(c) * 1e4) / 1e4);
    buf.push(cells.join(','));
    if (buf.length === 10_000) {
      writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) writeSync(fd, buf.join('\n') + '\n');
  closeSync(fd);
}

function writeParquet(path: string, rows: number): void {
  const next = generator(1);
  const cols = Array.from({ length: COLUMNS }, () => new Float64Array(rows));
  for (let r = 0; r < rows; r++) for (let c = 0; c < COLUMNS; c++) cols[c]![r] = Math.round(next(c) * 1e4) / 1e4;
  const buffer = parquetWriteBuffer({
    columnData: cols.map((data, c) => ({ name: `f${c}`, data: Array.from(data), type: 'DOUBLE' as const })),
    rowGroupSize: 100_000,
  });
  writeFileSync(path, new Uint8Array(buffer));
}

interface Result {
  path: string;
  rows: number;
  columns: number;
  wallMs: number;
  cpuMs: number;
  maxRssMB: number;
}

function profileInChild(path: string): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'profile-worker.ts'), path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

try {
  const sizes = [Math.round(FULL / 4), FULL];
  const results: (Result & { format: string })[] = [];
  for (const format of ['csv', 'parquet'] as const) {
    for (const rows of sizes) {
      const path = join(dir, `data-${rows}.${format}`);
      if (format === 'csv') writeCsv(path, rows);
      else writeParquet(path, rows);
      results.push({ ...profileInChild(path), format });
      rmSync(path);
    }
  }
  console.log(`node ${process.version}, ${COLUMNS} numeric columns, two streaming passes per file\n`);
  console.log('format   rows       cells/s (wall)   cells/s (cpu)   wall s   peak RSS MB');
  for (const r of results) {
    const cells = r.rows * r.columns;
    console.log(
      `${r.format.padEnd(8)} ${String(r.rows).padEnd(10)} ${(cells / (r.wallMs / 1000) / 1e6).toFixed(2).padStart(8)} M       ${(cells / (r.cpuMs / 1000) / 1e6).toFixed(2).padStart(8)} M   ${(r.wallMs / 1000).toFixed(2).padStart(6)}   ${String(r.maxRssMB).padStart(6)}`,
    );
  }
  for (const format of ['csv', 'parquet']) {
    const [small, big] = results.filter((r) => r.format === format);
    console.log(`${format}: peak RSS ${big!.rows / small!.rows}x rows → ${(big!.maxRssMB / small!.maxRssMB).toFixed(2)}x memory`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

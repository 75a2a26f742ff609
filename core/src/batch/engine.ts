/**
 * The embedded analytical engine for batch work (profiling a training file, counting a window
 * file): DuckDB, which reads CSV, Parquet and JSON with every core and aggregates in vectorised C++.
 * Each run gets its own database file in a temp directory and a memory limit, so DuckDB spills
 * to disk instead of growing: memory stays flat whatever the file size.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { DuckDBConnection, DuckDBDoubleVector, DuckDBInstance as DuckDBInstanceType } from '@duckdb/node-api';
import type { FeatureType } from '../baseline/profile.js';

/**
 * DuckDB's API is CommonJS. An ESM `import` of it makes Node lex every file it re-exports to find
 * the export names (cjs-module-lexer, ~50 ms more of every `baseline create` / `drift` start);
 * `require` loads the same modules without that: 45–50 ms against 95–100 ms measured.
 */
const { DuckDBInstance } = createRequire(import.meta.url)('@duckdb/node-api') as { DuckDBInstance: typeof DuckDBInstanceType };

/**
 * DuckDB's buffer pool; beyond it, temp tables and sorts go to the temp directory. The process
 * needs ≈ 180 MB more than this (Node, DuckDB's allocations outside the pool).
 */
export const BATCH_MEMORY_LIMIT = '256MB';

/**
 * The pool for profiling a file: a CSV / JSON profile loads the file into a temp table (≈ 11
 * bytes per numeric cell: 224 MB for 1M × 20, 1.7× that file's text). The 190 MB cut dates from
 * when the table was taken for 1.2× the text: at 1.7× a numeric table outgrows 256 MB from
 * ≈ 140 MB of text (`loadFitsPool`), so files of ≈ 140–190 MB keep the 256 MB pool though they
 * spill (not re-measured); beyond, a smaller pool keeps peak RSS away from the 450 MB goal at no
 * measured CPU cost. Measured on 20 numeric columns
 * (before LOAD_MEMORY_LIMIT): 1M rows (132 MB) at 256 MB: 404–441 MiB peak RSS (at 200 MB
 * ≈ 400 MiB, but every pass over the spilled table cost about twice the CPU); 10M rows (1.3 GB)
 * at 256 MB: 440–449 MiB, 33–35 CPU-s; at 200 MB: 399–436 MiB, 32 CPU-s.
 */
export function profileMemoryLimit(fileBytes: number): string {
  return fileBytes <= 190e6 ? BATCH_MEMORY_LIMIT : '200MB';
}

/**
 * The pool while a CSV / JSONL file loads into its temp table, when that table will fit the
 * profile's pool afterwards (`loadFitsPool`). DuckDB's order-preserving insert holds the row groups
 * of batches that finished out of order until the earlier ones land; when the pool has no room
 * for them it lets only the thread with the lowest batch continue, and the load runs on one core.
 * Measured, 1M × 20 numeric CSV (a 224 MB table): at 256 or 320 MB the load's busiest thread
 * did 0.94–1.0 s of its ~1.0 CPU-s (serial), at 352 MB or more 0.45–0.57 s (both cores). The
 * pool goes back down right after the load, which also hands DuckDB's freed load buffers back:
 * peak RSS of `baseline create` 360–376 MiB against 421–465 MiB with 256 MB throughout (8 rounds
 * each, alternating; docs/performance.md).
 */
export const LOAD_MEMORY_LIMIT = '384MB';

/** DuckDB's bytes per numeric cell of a temp table: 8, plus validity and partly filled row groups (measured 11.2). */
const TABLE_BYTES_PER_NUMBER = 11.5;
/** A text cell: a 16-byte string header, plus its characters when longer than 12. */
const TABLE_BYTES_PER_TEXT = 17;
/** The table must leave this much of the profile's pool free for the passes (their aggregates, the scan's buffers). */
const TABLE_POOL_SHARE = 0.94;

/**
 * Whether the temp table of a CSV / JSONL file fits the profile's pool (`poolBytes`), estimated
 * from the file's size and the rows in its first MiB: then the load may use `LOAD_MEMORY_LIMIT`
 * and peak memory stays that of the table. Beyond (or unknown: fewer than two lines in the head),
 * the table spills whatever the pool, so the load keeps the profile's pool.
 */
export function loadFitsPool(path: string, fileBytes: number, numericColumns: number, textColumns: number, sourceColumns: number, poolBytes: number): boolean {
  const head = Buffer.alloc(Math.min(fileBytes, 1 << 20));
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  let lines = 0;
  for (let i = head.indexOf(10); i >= 0 && i < read; i = head.indexOf(10, i + 1)) lines++;
  if (lines < 2) return false;
  const bytesPerRow = read / lines;
  const rows = fileBytes / bytesPerRow;
  const textCell = TABLE_BYTES_PER_TEXT + bytesPerRow / Math.max(1, sourceColumns);
  return rows * (numericColumns * TABLE_BYTES_PER_NUMBER + textColumns * textCell) <= poolBytes * TABLE_POOL_SHARE;
}

/** '256MB' → bytes, as DuckDB reads it (MB = 10^6 bytes). */
export function limitBytes(limit: string): number {
  const m = /^(\d+)MB$/.exec(limit);
  if (!m) throw new Error(`memory limit ${limit}: expected N MB`);
  return Number(m[1]) * 1e6;
}

export interface BatchEngine {
  con: DuckDBConnection;
  /** DuckDB's pool as opened (`memory_limit`). */
  memoryLimit: string;
  /** DuckDB's threads as opened: every core. */
  threads: number;
  query(sql: string): Promise<Record<string, unknown>[]>;
  /**
   * A result of DOUBLE columns, each read straight out of DuckDB's vectors into a typed array
   * (NULL as NaN), where row objects would convert and box every value.
   */
  doubles(sql: string): Promise<Float64Array[]>;
  close(): void;
}

export async function openEngine(memoryLimit = BATCH_MEMORY_LIMIT): Promise<BatchEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-duckdb-'));
  const threads = availableParallelism();
  let instance: DuckDBInstanceType | undefined;
  try {
    instance = await DuckDBInstance.create(join(dir, 'batch.duckdb'), {
      threads: String(threads),
      memory_limit: memoryLimit,
      temp_directory: join(dir, 'spill'),
      // Row order is what calibration chunks are cut by.
      preserve_insertion_order: 'true',
      // Hand freed memory back after each task above 16 MB instead of DuckDB's default 128 MB:
      // peak RSS of a 1M-row CSV profile was 400–469 MiB with the default, 410–426 MiB with this
      // (four runs each, alternating; CPU within the run-to-run noise).
      allocator_flush_threshold: '16MB',
      // And after any single free above 16 MB (default 512 MB), as when a load's batches land:
      // the rise of peak RSS during a 1M × 20 CSV load was 278–301 MiB over seven runs with this,
      // 306–343 MiB without (load at LOAD_MEMORY_LIMIT).
      allocator_bulk_deallocation_flush_threshold: '16MB',
    });
    const con = await instance.connect();
    const inst = instance;
    return {
      con,
      memoryLimit,
      threads,
      async query(sql) {
        return (await con.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
      },
      async doubles(sql) {
        const result = await con.run(sql);
        const columns = Array.from({ length: result.columnCount }, () => new Float64Array(result.rowCount));
        for (let i = 0, row = 0; i < result.chunkCount; i++) {
          const chunk = result.getChunk(i);
          const size = chunk.rowCount; // a call into the binding each time it is read
          columns.forEach((column, j) => {
            const vector = chunk.getColumnVector(j) as DuckDBDoubleVector;
            for (let k = 0; k < size; k++) column[row + k] = vector.getItem(k) ?? NaN;
          });
          row += size;
        }
        return columns;
      },
      close() {
        con.closeSync();
        inst.closeSync();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    instance?.closeSync();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The same missing tokens as baseline/values.ts (compared lower-cased and trimmed). */
const MISSING = ['', 'na', 'n/a', 'nan', 'null', 'none'];
const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|UHUGEINT)$/;

export type EngineFormat = 'csv' | 'parquet' | 'jsonl' | 'json';

export interface SourceColumn {
  name: string;
  /** DuckDB's type for the column as read. */
  sqlType: string;
}

export class UnsupportedForEngine extends Error {}

/**
 * `read_csv(...)` / `read_parquet(...)` / `read_json(...)`. Columns profiled as categorical are
 * read as text exactly as written (CSV `types`, JSON `columns` with every sniffed type), so a
 * date stays the string in the file and `07` stays `07`, as the streaming readers keep them.
 */
export function sourceSql(path: string, format: EngineFormat, textColumns: readonly string[] = [], sniffed: readonly SourceColumn[] = []): string {
  const text = new Set(textColumns);
  if (format === 'parquet') return parquetSql(path);
  if (format === 'jsonl' || format === 'json') {
    const columns = text.size && sniffed.length ? `, columns = {${sniffed.map((c) => `${literal(c.name)}: ${literal(text.has(c.name) ? 'VARCHAR' : c.sqlType)}`).join(', ')}}` : '';
    return `read_json(${literal(path)}, format = '${format === 'jsonl' ? 'newline_delimited' : 'array'}'${columns})`;
  }
  const types = text.size ? `, types = {${[...text].map((c) => `${literal(c)}: 'VARCHAR'`).join(', ')}}` : '';
  // The streaming reader's dialect (RFC 4180, comma, double quotes), strictly: a ragged row is an
  // error here, and the caller then falls back to the streaming reader, which skips and reports it.
  return `read_csv(${literal(path)}, header = true, delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false, auto_detect = true${types})`;
}

/** `read_parquet(...)`; with `rowNumbers`, each row's number in the file as `file_row_number` (free, parallel). */
export function parquetSql(path: string, rowNumbers = false): string {
  return `read_parquet(${literal(path)}${rowNumbers ? ', file_row_number = true' : ''})`;
}

export interface Source {
  sql: string;
  columns: SourceColumn[];
}

/** The file's columns as DuckDB sniffs them, then the read with the picked columns kept as text. */
export async function openSource(engine: BatchEngine, path: string, format: EngineFormat, pickText: (sniffed: SourceColumn[]) => string[]): Promise<Source> {
  const describe = async (sql: string) =>
    (await engine.query(`DESCRIBE SELECT * FROM ${sql}`)).map((r) => ({ name: String(r.column_name), sqlType: String(r.column_type) }));
  const first = sourceSql(path, format);
  const sniffed = await describe(first);
  const text = pickText(sniffed).filter((t) => sniffed.some((c) => c.name === t));
  if (format === 'parquet' || text.length === 0) return { sql: first, columns: sniffed };
  const sql = sourceSql(path, format, text, sniffed);
  return { sql, columns: await describe(sql) };
}

/** What the streaming profiler would infer for this column: numbers are numeric, the rest categorical. */
export function inferredType(c: SourceColumn): FeatureType {
  return NUMERIC_TYPE.test(c.sqlType) ? 'numeric' : 'categorical';
}

/** A column as a finite DOUBLE or NULL (toNumber's rules: missing tokens, NaN, ±Inf are missing). */
export function numericExpr(c: SourceColumn | undefined): string {
  if (!c) return 'CAST(NULL AS DOUBLE)';
  const id = ident(c.name);
  let x: string;
  if (NUMERIC_TYPE.test(c.sqlType)) x = `CAST(${id} AS DOUBLE)`;
  else if (c.sqlType === 'BOOLEAN') x = `CAST(${id} AS DOUBLE)`;
  else if (c.sqlType === 'VARCHAR') x = `TRY_CAST(trim(${id}) AS DOUBLE)`;
  else throw new UnsupportedForEngine(`column ${c.name} is ${c.sqlType}`);
  return `CASE WHEN isfinite(${x}) THEN ${x} END`;
}

/** A column as a category string or NULL (toCategory's rules: trimmed, missing tokens are missing). */
export function categoryExpr(c: SourceColumn | undefined): string {
  if (!c) return 'CAST(NULL AS VARCHAR)';
  const id = ident(c.name);
  if (c.sqlType === 'BOOLEAN') return `CAST(${id} AS VARCHAR)`;
  if (c.sqlType !== 'VARCHAR') throw new UnsupportedForEngine(`column ${c.name} is ${c.sqlType}, not text`);
  // A simple CASE, not `IN (…)`: DuckDB plans an IN list of this length as a join against the
  // list, and that join does not keep the rows in file order, which numbering rows relies on.
  return `CASE lower(trim(${id})) ${MISSING.map((m) => `WHEN ${literal(m)} THEN NULL`).join(' ')} ELSE trim(${id}) END`;
}

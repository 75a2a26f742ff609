/**
 * The embedded analytical engine for batch work (profiling a training file, counting a window
 * file): DuckDB, which reads CSV, Parquet and JSON with every core and aggregates in vectorised C++.
 * Each run gets its own database file in a temp directory and a memory limit, so DuckDB spills
 * to disk instead of growing: memory stays flat whatever the file size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { FeatureType } from '../baseline/profile.js';

/**
 * DuckDB's buffer pool; beyond it, temp tables and sorts go to the temp directory. The process
 * needs ≈ 180 MB more than this (Node, DuckDB's allocations outside the pool).
 */
export const BATCH_MEMORY_LIMIT = '256MB';

/**
 * The pool for profiling a file: a CSV / JSON profile loads the file into a temp table (≈ 8 bytes
 * per numeric cell, about 1.2× the text). Up to ≈ 190 MB of text that table nearly fits 256 MB;
 * beyond, it spills whatever the pool, and a smaller one keeps peak RSS away from the 450 MB goal
 * at no measured CPU cost. Measured on 20 numeric columns: 1M rows (132 MB) at 256 MB: 404–441 MiB
 * peak RSS (at 200 MB ≈ 400 MiB, but every pass over the spilled table cost about twice the CPU);
 * 10M rows (1.3 GB) at 256 MB: 440–449 MiB, 33–35 CPU-s; at 200 MB: 399–436 MiB, 32 CPU-s.
 */
export function profileMemoryLimit(fileBytes: number): string {
  return fileBytes <= 190e6 ? BATCH_MEMORY_LIMIT : '200MB';
}

export interface BatchEngine {
  con: DuckDBConnection;
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export async function openEngine(memoryLimit = BATCH_MEMORY_LIMIT): Promise<BatchEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-duckdb-'));
  let instance: DuckDBInstance | undefined;
  try {
    instance = await DuckDBInstance.create(join(dir, 'batch.duckdb'), {
      threads: String(availableParallelism()),
      memory_limit: memoryLimit,
      temp_directory: join(dir, 'spill'),
      // Row order is what calibration chunks are cut by.
      preserve_insertion_order: 'true',
      // Hand freed memory back after each task above 16 MB instead of DuckDB's default 128 MB:
      // peak RSS of a 1M-row CSV profile was 400–469 MiB with the default, 410–426 MiB with this
      // (four runs each, alternating; CPU within the run-to-run noise).
      allocator_flush_threshold: '16MB',
    });
    const con = await instance.connect();
    const inst = instance;
    return {
      con,
      async query(sql) {
        return (await con.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
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

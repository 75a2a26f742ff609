/**
 * A table source read in batches: columns of one batch plus the problems met so far. Every
 * reader keeps at most one batch (plus one file read-ahead) in memory, whatever the file size.
 * `batches()` can be called again to re-read from the start (the profiler's second pass).
 */
export interface RowBatch {
  /** Column name → values of this batch (strings from CSV, JSON values, Parquet values incl. BigInt). */
  columns: Record<string, unknown[]>;
  length: number;
}

export interface ReadIssue {
  line: number;
  column: number;
  message: string;
}

export interface ReadStats {
  rows: number;
  badRows: number;
  /** The first problems (capped at MAX_REPORTED_ISSUES), each with line and column. */
  issues: ReadIssue[];
  bytesRead: number;
  totalBytes: number;
}

export const MAX_REPORTED_ISSUES = 20;
export const DEFAULT_BATCH_ROWS = 8192;

export interface TableReadOptions {
  /** Stop at the first bad row (throwing TableReadError) instead of skipping and counting it. */
  strict?: boolean;
  batchRows?: number;
}

export interface TableSource {
  readonly path: string;
  readonly format: 'csv' | 'jsonl' | 'json' | 'parquet';
  /** Stats of the latest pass. */
  readonly stats: ReadStats;
  batches(): AsyncIterable<RowBatch>;
}

export class TableReadError extends Error {
  readonly code = 'TABLE_READ';
  constructor(
    readonly path: string,
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`${path}:${line}:${column}: ${detail}`);
    this.name = 'TableReadError';
  }
}

export function newStats(totalBytes: number): ReadStats {
  return { rows: 0, badRows: 0, issues: [], bytesRead: 0, totalBytes };
}

/** Records a bad row: fatal when strict, else counted and (the first few) reported. */
export function reportBadRow(stats: ReadStats, path: string, strict: boolean | undefined, issue: ReadIssue): void {
  if (strict) throw new TableReadError(path, issue.line, issue.column, issue.message);
  stats.badRows++;
  if (stats.issues.length < MAX_REPORTED_ISSUES) stats.issues.push(issue);
}

export function emptyBatch(names: readonly string[]): RowBatch {
  const columns: Record<string, unknown[]> = {};
  for (const n of names) columns[n] = [];
  return { columns, length: 0 };
}

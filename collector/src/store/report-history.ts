/**
 * SQL of the report histories (drift and realized performance), the same statements for every
 * store: the newest reports of a model (optionally of one window), and pruning each (model,
 * window) to its newest `keep`. Parameters in order: model, [window], limit — and keep for pruning.
 */
export type HistoryTable = 'drift_history' | 'performance_history';
export type Dialect = 'sqlite' | 'postgres';

const placeholders = (dialect: Dialect, n: number): string[] =>
  Array.from({ length: n }, (_, i) => (dialect === 'sqlite' ? '?' : `$${i + 1}`));

export function historyQuery(table: HistoryTable, dialect: Dialect, byWindow: boolean): string {
  const p = placeholders(dialect, byWindow ? 3 : 2);
  return byWindow
    ? `SELECT evaluated_at, report FROM ${table} WHERE model = ${p[0]} AND win = ${p[1]} ORDER BY id DESC LIMIT ${p[2]}`
    : `SELECT evaluated_at, report FROM ${table} WHERE model = ${p[0]} ORDER BY id DESC LIMIT ${p[1]}`;
}

export function pruneHistoryQuery(table: HistoryTable, dialect: Dialect): string {
  return `DELETE FROM ${table} WHERE id IN (
    SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY model, win ORDER BY id DESC) AS rn FROM ${table}) t
    WHERE rn > ${placeholders(dialect, 1)[0]})`;
}

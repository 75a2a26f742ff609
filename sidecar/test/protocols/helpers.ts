import type { Column, InputBatch, Parsed } from '../../src/protocols/types.js';

export const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

export function value<T>(p: Parsed<T>): T {
  if (!p.ok) throw new Error(`expected success, got ${JSON.stringify(p)}`);
  return p.value;
}

export function failure<T>(p: Parsed<T>) {
  if (p.ok) throw new Error(`expected a failure, got ${JSON.stringify(p.value)}`);
  return p;
}

/** Columns as plain arrays, for toEqual. */
export function plainColumns(b: InputBatch): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [k, c] of b.columns) out[k] = Array.from(c as Column & ArrayLike<unknown>);
  return out;
}

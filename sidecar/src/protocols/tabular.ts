import { ErrorReason } from '@modelwatch/core';
import type { CellValue, Column, InputBatch, OutputBatch, OutputColumn, Parsed } from './types.js';
import { invalid, isRecord, ok, preview } from './parsed.js';

/**
 * Row and column shaped JSON (TF Serving `instances`/`inputs`, MLflow dataframes, generic JSON)
 * → protocol-neutral batches. Scalars become feature cells; arrays of scalars in a cell are a
 * small tensor and become positional features `<name>[j]`; anything richer (nested arrays,
 * `{"b64": …}` objects, long strings are left as cells) goes to `media` for the extractors.
 */
export interface TabularOptions {
  featureNames?: readonly string[];
  /** Prefix for positional features when `featureNames` does not fit: `<prefix>[j]`. */
  positionalPrefix?: string;
}

class BatchBuilder {
  readonly columns = new Map<string, CellValue[]>();
  media: Map<string, unknown[]> | undefined;
  constructor(readonly rows: number) {}

  set(name: string, row: number, v: CellValue): void {
    let col = this.columns.get(name);
    if (!col) {
      col = new Array<CellValue>(this.rows).fill(null);
      this.columns.set(name, col);
    }
    col[row] = v;
  }

  addMedia(name: string, row: number, v: unknown): void {
    let items = (this.media ??= new Map()).get(name);
    if (!items) {
      items = new Array<unknown>(this.rows).fill(null);
      this.media.set(name, items);
    }
    items[row] = v;
  }

  build(): InputBatch {
    const columns = this.columns as Map<string, Column>;
    return this.media ? { rows: this.rows, columns, media: this.media } : { rows: this.rows, columns };
  }
}

const isScalar = (v: unknown): v is CellValue =>
  v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';

/** Where a bad cell is, as a message path; only built when a cell is bad (never per cell). */
type Where = () => string;

function nonFinite(where: string): Parsed<never> {
  return invalid(ErrorReason.nonFinite, `${where} is not finite (overflowing number)`);
}

/**
 * Puts one named value of one row into the builder. Returns -1 when fine, -2 when the value
 * itself is a non-finite number, or j when element j of a small tensor is.
 */
function putValue(b: BatchBuilder, name: string, row: number, v: unknown): number {
  if (isScalar(v)) {
    if (typeof v === 'number' && !Number.isFinite(v)) return -2;
    b.set(name, row, v);
    return -1;
  }
  if (Array.isArray(v) && v.every(isScalar)) {
    for (let j = 0; j < v.length; j++) {
      const x = v[j] as CellValue;
      if (typeof x === 'number' && !Number.isFinite(x)) return j;
      b.set(`${name}[${j}]`, row, x);
    }
    return -1;
  }
  b.addMedia(name, row, v);
  return -1;
}

function putChecked(b: BatchBuilder, name: string, row: number, v: unknown, where: Where): Parsed<never> | undefined {
  const r = putValue(b, name, row, v);
  if (r === -1) return undefined;
  return nonFinite(r === -2 ? where() : `${where()}[${r}]`);
}

function isB64(v: Record<string, unknown>): boolean {
  return typeof v.b64 === 'string' && Object.keys(v).length === 1;
}

function positionalNames(width: number, o: TabularOptions): (j: number) => string {
  const names = o.featureNames;
  if (names && names.length === width) return (j) => names[j];
  const prefix = o.positionalPrefix ?? 'input';
  return (j) => `${prefix}[${j}]`;
}

/** A list of rows: records (`{feature: value}`), arrays (positional features) or scalars (one feature). */
export function rowsToBatch(rows: unknown, where: string, o: TabularOptions = {}): Parsed<InputBatch> {
  if (!Array.isArray(rows)) return invalid(ErrorReason.wrongShape, `${where} must be an array of rows, got ${preview(rows)}`);
  const b = new BatchBuilder(rows.length);
  let width = -1;
  let nameOf: ((j: number) => string) | undefined;
  const scalarName = o.featureNames?.length === 1 ? o.featureNames[0] : (o.positionalPrefix ?? 'input');
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (isRecord(row) && isB64(row)) {
      // TF Serving's binary value of a single unnamed input: media, not a feature called "b64".
      b.addMedia(scalarName, r, row);
    } else if (isRecord(row)) {
      for (const key of Object.keys(row)) {
        const e = putChecked(b, key, r, row[key], () => `${where}[${r}].${key}`);
        if (e) return e;
      }
    } else if (Array.isArray(row)) {
      if (width === -1) {
        width = row.length;
        nameOf = positionalNames(width, o);
      } else if (row.length !== width) {
        return invalid(ErrorReason.wrongShape, `${where}[${r}] has ${row.length} values, ${where}[0] has ${width}`);
      }
      for (let j = 0; j < row.length; j++) {
        const e = putChecked(b, nameOf!(j), r, row[j], () => `${where}[${r}][${j}]`);
        if (e) return e;
      }
    } else {
      const e = putChecked(b, scalarName, r, row, () => `${where}[${r}]`);
      if (e) return e;
    }
  }
  return ok(b.build());
}

/** Named columns of equal length (`{feature: [v0, v1, …]}`). */
export function columnsToBatch(cols: Record<string, unknown>, where: string): Parsed<InputBatch> {
  const keys = Object.keys(cols);
  let rows = -1;
  for (const k of keys) {
    const c = cols[k];
    if (!Array.isArray(c)) return invalid(ErrorReason.wrongShape, `${where}.${k} must be an array (one value per row), got ${preview(c)}`);
    if (rows === -1) rows = c.length;
    else if (c.length !== rows) {
      return invalid(ErrorReason.wrongShape, `${where}.${k} has ${c.length} rows, ${where}.${keys[0]} has ${rows}`);
    }
  }
  const b = new BatchBuilder(Math.max(rows, 0));
  for (const k of keys) {
    const c = cols[k] as unknown[];
    for (let r = 0; r < c.length; r++) {
      const e = putChecked(b, k, r, c[r], () => `${where}.${k}[${r}]`);
      if (e) return e;
    }
  }
  return ok(b.build());
}

function isProbabilityRow(v: unknown, width: number): boolean {
  if (!Array.isArray(v) || v.length !== width) return false;
  for (const x of v) if (typeof x !== 'number' || !(x >= 0 && x <= 1)) return false;
  return true;
}

/** Outputs of one name given per row: scalars → values; equal-width rows of numbers in [0,1] → probabilities. */
function rowOutputs(name: string, values: readonly unknown[], into: Map<string, OutputColumn>): void {
  const first = values[0];
  if (Array.isArray(first) && first.length >= 2 && values.every((v) => isProbabilityRow(v, first.length))) {
    const data = new Float64Array(values.length * first.length);
    values.forEach((v, r) => data.set(v as number[], r * first.length));
    into.set(name, { kind: 'probabilities', rows: values.length, classes: first.length, data });
    return;
  }
  if (Array.isArray(first)) {
    const width = first.length;
    for (let j = 0; j < width; j++) {
      const col = values.map((v) => (Array.isArray(v) && isScalar(v[j]) ? (v[j] as CellValue) : null));
      into.set(width === 1 ? name : `${name}[${j}]`, { kind: 'values', values: col });
    }
    return;
  }
  into.set(name, { kind: 'values', values: values.map((v) => (isScalar(v) ? v : null)) });
}

/**
 * A model's predictions: a list (one entry per row: scalar, array or record of named outputs)
 * or a record of named output columns. `name` names unnamed outputs.
 */
export function predictionsToBatch(preds: unknown, name: string, where: string): Parsed<OutputBatch> {
  const outputs = new Map<string, OutputColumn>();
  if (Array.isArray(preds)) {
    if (preds.length > 0 && preds.every(isRecord)) {
      const keys = new Set<string>();
      for (const p of preds as Record<string, unknown>[]) for (const k of Object.keys(p)) keys.add(k);
      for (const k of keys) rowOutputs(k, (preds as Record<string, unknown>[]).map((p) => p[k] ?? null), outputs);
    } else {
      rowOutputs(name, preds, outputs);
    }
    return ok({ rows: preds.length, outputs });
  }
  if (isRecord(preds)) {
    let rows = 0;
    for (const [k, v] of Object.entries(preds)) {
      const values = Array.isArray(v) ? v : [v];
      rows = Math.max(rows, values.length);
      rowOutputs(k, values, outputs);
    }
    return ok({ rows, outputs });
  }
  return invalid(ErrorReason.wrongShape, `${where} must be a list of predictions or an object of named outputs, got ${preview(preds)}`);
}

/**
 * Validation of a baseline profile read from JSON (a file, an upload, the collector's store).
 * Every error names the JSON path, the bad value and what is allowed, e.g.
 *   BASELINE_FORMAT: $.features[2].bins.edges[4] = 3 is not allowed: edges must be strictly ascending
 * core/schema/baseline.v1.schema.json describes the same format for other tools.
 */
import { preview } from '../errors/preview.js';
import { BASELINE_SCHEMA, type BaselineProfile, type FeatureProfile, type OutputProfile, type ChunkProfile } from './profile.js';

export class BaselineFormatError extends Error {
  readonly code = 'BASELINE_FORMAT';
  constructor(
    readonly path: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`BASELINE_FORMAT: ${path} = ${show(value)} is not allowed: ${allowed}`);
    this.name = 'BaselineFormatError';
  }
}

function show(value: unknown): string {
  return preview(value);
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BaselineFormatError(path, v, 'expected an object');
  return v as Obj;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new BaselineFormatError(path, v, 'expected an array');
  return v;
}
function str(v: unknown, path: string, nonEmpty = true): string {
  if (typeof v !== 'string' || (nonEmpty && v.length === 0)) throw new BaselineFormatError(path, v, nonEmpty ? 'expected a non-empty string' : 'expected a string');
  return v;
}
function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BaselineFormatError(path, v, 'expected a finite number');
  return v;
}
function count(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new BaselineFormatError(path, v, 'expected an integer ≥ 0');
  return v;
}
function counts(v: unknown, path: string): number[] {
  return arr(v, path).map((c, i) => count(c, `${path}[${i}]`));
}

/** Validates `json` and returns it typed; throws BaselineFormatError on the first problem. */
export function parseBaselineProfile(json: unknown): BaselineProfile {
  const o = obj(json, '$');
  if (o.schema !== BASELINE_SCHEMA) throw new BaselineFormatError('$.schema', o.schema, `expected "${BASELINE_SCHEMA}"`);
  str(o.model, '$.model');
  if (o.version !== undefined) str(o.version, '$.version');
  const createdAt = str(o.createdAt, '$.createdAt');
  if (Number.isNaN(Date.parse(createdAt))) throw new BaselineFormatError('$.createdAt', createdAt, 'expected an ISO 8601 date-time');
  count(o.rows, '$.rows');
  const features = arr(o.features, '$.features').map((f, i) => feature(f, `$.features[${i}]`));
  unique(features.map((f) => f.name), '$.features', 'name');
  const outputs = arr(o.outputs ?? [], '$.outputs').map((f, i) => output(f, `$.outputs[${i}]`));
  const chunks = arr(o.chunks ?? [], '$.chunks').map((c, i) => chunk(c, `$.chunks[${i}]`, [...features, ...outputs]));
  if (o.metadata !== undefined) {
    const m = obj(o.metadata, '$.metadata');
    for (const [k, v] of Object.entries(m)) str(v, `$.metadata.${k}`, false);
  }
  if (o.performance !== undefined) referencePerformance(o.performance, '$.performance');
  return { ...(o as unknown as BaselineProfile), outputs, chunks };
}

function referencePerformance(v: unknown, path: string): void {
  const p = obj(v, path);
  str(p.label, `${path}.label`);
  str(p.prediction, `${path}.prediction`);
  const r = obj(p.result, `${path}.result`);
  if (r.task !== 'classification' && r.task !== 'regression') throw new BaselineFormatError(`${path}.result.task`, r.task, 'expected "classification" or "regression"');
  if (count(r.n, `${path}.result.n`) < 1) throw new BaselineFormatError(`${path}.result.n`, r.n, 'expected at least 1 labelled row');
  const measures = r.task === 'classification' ? ['accuracy', 'macroF1'] : ['mae', 'rmse', 'bias'];
  for (const k of measures) num(r[k], `${path}.result.${k}`);
  if (r.task === 'classification') {
    for (const k of ['accuracy', 'macroF1', 'ece'] as const) {
      if (r[k] !== undefined && (num(r[k], `${path}.result.${k}`) < 0 || (r[k] as number) > 1)) throw new BaselineFormatError(`${path}.result.${k}`, r[k], 'expected a ratio from 0 to 1');
    }
    arr(r.classes ?? [], `${path}.result.classes`);
  }
}

function unique(names: string[], path: string, what: string): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) throw new BaselineFormatError(`${path}[${i}].${what}`, n, `${what} must be unique`);
    seen.add(n);
  });
}

function feature(v: unknown, path: string): FeatureProfile {
  const f = obj(v, path);
  str(f.name, `${path}.name`);
  const total = count(f.count, `${path}.count`);
  count(f.missing, `${path}.missing`);
  if (f.type === 'numeric') {
    for (const k of ['min', 'max', 'mean', 'std'] as const) num(f[k], `${path}.${k}`);
    if ((f.std as number) < 0) throw new BaselineFormatError(`${path}.std`, f.std, 'expected a number ≥ 0');
    const bins = obj(f.bins, `${path}.bins`);
    const edges = arr(bins.edges, `${path}.bins.edges`).map((e, i) => num(e, `${path}.bins.edges[${i}]`));
    edges.forEach((e, i) => {
      if (i > 0 && e <= edges[i - 1]!) throw new BaselineFormatError(`${path}.bins.edges[${i}]`, e, 'edges must be strictly ascending');
    });
    const c = counts(bins.counts, `${path}.bins.counts`);
    if (c.length !== edges.length + 1) {
      throw new BaselineFormatError(`${path}.bins.counts`, `${c.length} counts`, `expected edges.length + 1 = ${edges.length + 1} counts (two open outer bins)`);
    }
    sumsTo(c, total, `${path}.bins.counts`);
    if (f.sketch !== undefined) str(obj(f.sketch, `${path}.sketch`).type, `${path}.sketch.type`);
  } else if (f.type === 'categorical') {
    const cats = arr(f.categories, `${path}.categories`).map((c, i) => {
      const co = obj(c, `${path}.categories[${i}]`);
      str(co.value, `${path}.categories[${i}].value`, false);
      return count(co.count, `${path}.categories[${i}].count`);
    });
    unique(
      (f.categories as { value: string }[]).map((c) => c.value),
      `${path}.categories`,
      'value',
    );
    sumsTo([...cats, count(f.otherCount, `${path}.otherCount`)], total, `${path}.categories`);
  } else {
    throw new BaselineFormatError(`${path}.type`, f.type, 'expected "numeric" or "categorical"');
  }
  return f as unknown as FeatureProfile;
}

function sumsTo(values: number[], total: number, path: string): void {
  const s = values.reduce((a, b) => a + b, 0);
  if (s !== total) throw new BaselineFormatError(path, `sum ${s}`, `counts must sum to the feature's count (${total})`);
}

function output(v: unknown, path: string): OutputProfile {
  const f = feature(v, path) as OutputProfile;
  str(f.output, `${path}.output`);
  if (f.role !== 'prediction' && f.role !== 'confidence') throw new BaselineFormatError(`${path}.role`, f.role, 'expected "prediction" or "confidence"');
  return f;
}

function chunk(v: unknown, path: string, columns: FeatureProfile[]): ChunkProfile {
  const c = obj(v, path);
  count(c.rows, `${path}.rows`);
  const cc = obj(c.counts, `${path}.counts`);
  const cm = obj(c.missing ?? {}, `${path}.missing`);
  for (const col of columns) {
    const key = `${path}.counts.${col.name}`;
    if (cc[col.name] === undefined) continue;
    const n = counts(cc[col.name], key).length;
    const want = col.type === 'numeric' ? col.bins.counts.length : col.categories.length + 1;
    if (n !== want) throw new BaselineFormatError(key, `${n} counts`, `expected ${want}, the number of bins of ${col.name}`);
    if (cm[col.name] !== undefined) count(cm[col.name], `${path}.missing.${col.name}`);
  }
  return c as unknown as ChunkProfile;
}

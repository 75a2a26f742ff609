import type { DataFrame, Field } from '@grafana/data';

/** One instant sample: the series labels and its latest value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/**
 * Reads the frames of one panel into samples grouped by refId. Accepts both shapes Grafana's
 * Prometheus datasource produces for instant queries: "time series" (a frame per series, labels on
 * the value field) and "table" (one frame, a string column per label, one row per series).
 */
export function samplesByRefId(frames: readonly DataFrame[]): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const frame of frames) {
    const refId = frame.refId ?? '';
    const list = out.get(refId) ?? [];
    out.set(refId, list);
    const numbers = frame.fields.filter((f) => f.type === 'number');
    const strings = frame.fields.filter((f) => f.type === 'string');
    if (numbers.length === 0) continue;
    if (strings.length > 0) readTable(frame, strings, numbers[numbers.length - 1], list);
    else for (const field of numbers) readSeries(field, list);
  }
  return out;
}

function values(field: Field): ArrayLike<unknown> {
  return (field.values ?? []) as ArrayLike<unknown>;
}

function readSeries(field: Field, into: Sample[]): void {
  const vals = values(field);
  // Latest non-null value: a range query's last point or the single point of an instant query.
  for (let i = vals.length - 1; i >= 0; i--) {
    const v = toNumber(vals[i]);
    if (v !== undefined) {
      into.push({ labels: { ...(field.labels ?? {}) }, value: v });
      return;
    }
  }
}

function readTable(frame: DataFrame, strings: Field[], valueField: Field, into: Sample[]): void {
  const vals = values(valueField);
  for (let row = 0; row < frame.length; row++) {
    const v = toNumber(vals[row]);
    if (v === undefined) continue;
    const labels: Record<string, string> = { ...(valueField.labels ?? {}) };
    for (const f of strings) {
      const s = values(f)[row];
      if (typeof s === 'string' && s !== '') labels[f.name] = s;
    }
    into.push({ labels, value: v });
  }
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isNaN(v) ? undefined : v;
  // Prometheus sends sample values as strings ("+Inf", "NaN"); some frame builders keep them so.
  if (typeof v === 'string' && v !== '') {
    const n = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

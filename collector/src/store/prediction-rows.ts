import { emptyCounts, type PredictionRecord } from '@modelwatch/core';
import { DELAY_EDGES_SECONDS } from './delay-buckets.js';
import type { LabelledPrediction, StoredPrediction, VariantPerformanceCounts } from './prediction-store.js';

/**
 * The row shape SQLite and PostgreSQL share for the prediction log, and its conversion to the
 * store's types (one mapping, so both SQL stores answer exactly alike).
 */
export interface PredictionRow {
  id: string;
  time_ms: number | string;
  received_ms: number | string;
  version: string;
  variant: string;
  stage: string;
  pipeline: string | null;
  /** JSON of the primary answer: `"rain"`, `3.5` or `null`. */
  prediction: string;
  confidence: number | null;
  trace_id: string | null;
  subject: string | null;
  /** JSON `{ outputs?, inputs? }`. */
  payload: string | Record<string, unknown>;
  label_text: string | null;
  label_value: number | null;
  label_ms: number | string | null;
  label_seq: number | string | null;
  /** JSON array of `{event, value?, time_ms}` (aggregated by the query). */
  events?: string | { event: string; value: number | null; time_ms: number | string }[] | null;
}

/** Columns of one record in insert order (model first). */
export function recordColumns(model: string, r: PredictionRecord, receivedMs: number): unknown[] {
  const payload: Record<string, unknown> = {};
  if (r.outputs) payload.outputs = r.outputs;
  if (r.inputs) payload.inputs = r.inputs;
  return [
    model,
    r.id,
    Date.parse(r.time),
    receivedMs,
    r.version,
    r.variant,
    r.stage,
    r.pipeline ?? null,
    JSON.stringify(r.prediction),
    r.confidence ?? null,
    r.traceId ?? null,
    r.subject ?? null,
    JSON.stringify(payload),
  ];
}

export function toStoredPrediction(model: string, row: PredictionRow): StoredPrediction {
  const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Pick<PredictionRecord, 'outputs' | 'inputs'>;
  const out: StoredPrediction = {
    id: row.id,
    time: new Date(Number(row.time_ms)).toISOString(),
    model,
    version: row.version,
    variant: row.variant,
    stage: row.stage,
    prediction: JSON.parse(row.prediction) as string | number | null,
    receivedAt: new Date(Number(row.received_ms)).toISOString(),
    events: [],
  };
  if (row.pipeline !== null) out.pipeline = row.pipeline;
  if (payload.outputs) out.outputs = payload.outputs;
  if (payload.inputs) out.inputs = payload.inputs;
  if (row.confidence !== null) out.confidence = row.confidence;
  if (row.trace_id !== null) out.traceId = row.trace_id;
  if (row.subject !== null) out.subject = row.subject;
  if (row.label_text !== null) out.label = row.label_text;
  if (row.label_value !== null) out.labelValue = row.label_value;
  if (row.label_ms !== null) out.labelTime = new Date(Number(row.label_ms)).toISOString();
  const events = typeof row.events === 'string' ? JSON.parse(row.events) : row.events;
  if (Array.isArray(events)) {
    out.events = events
      .filter((e) => e && e.event !== null)
      .map((e) => ({ event: e.event, ...(e.value !== null ? { value: e.value } : {}), time: new Date(Number(e.time_ms)).toISOString() }));
  }
  return out;
}

export interface LabelledRow {
  id: string;
  variant: string;
  version: string;
  time_ms: number | string;
  prediction: string;
  confidence: number | null;
  label_text: string | null;
  label_value: number | null;
  label_ms: number | string;
  label_seq: number | string;
}

export function toLabelled(row: LabelledRow): LabelledPrediction {
  const out: LabelledPrediction = {
    id: row.id,
    variant: row.variant,
    version: row.version,
    timeMs: Number(row.time_ms),
    prediction: JSON.parse(row.prediction) as string | number | null,
    labelMs: Number(row.label_ms),
    seq: Number(row.label_seq),
  };
  if (row.confidence !== null) out.confidence = row.confidence;
  if (row.label_text !== null) out.label = row.label_text;
  if (row.label_value !== null) out.labelValue = row.label_value;
  return out;
}

export const LABELLED_COLUMNS = 'id, variant, version, time_ms, prediction, confidence, label_text, label_value, label_ms, label_seq';

/** Summed rollup rows of a window, as SQLite and PostgreSQL return them. */
export interface RollupRow {
  variant: string;
  prediction: string;
  label: string;
  bin: number | string;
  delay: number | string;
  n: number | string;
  csum: number | string;
  correct: number | string;
  rn: number | string;
  rabs: number | string;
  rsq: number | string;
  rs: number | string;
}

/** Assembles summed rollup rows into per-variant counts (variants sorted). */
export function assembleCounts(rows: readonly RollupRow[]): VariantPerformanceCounts[] {
  const confusion = new Map<string, Map<string, { prediction: string | null; label: string; n: number }>>();
  const calibration = new Map<string, Map<number, { bin: number; n: number; confidenceSum: number; correct: number }>>();
  const by = new Map<string, VariantPerformanceCounts>();
  const of = (variant: string) => {
    let v = by.get(variant);
    if (!v) by.set(variant, (v = { variant, counts: emptyCounts(), delays: new Array<number>(DELAY_EDGES_SECONDS.length + 1).fill(0) }));
    return v;
  };
  for (const r of rows) {
    const v = of(r.variant);
    const n = Number(r.n);
    v.delays[Number(r.delay)] += n;
    if (r.prediction === '#') {
      const reg = v.counts.regression;
      reg.n += Number(r.rn);
      reg.absSum += Number(r.rabs);
      reg.sqSum += Number(r.rsq);
      reg.sum += Number(r.rs);
      continue;
    }
    const p = JSON.parse(r.prediction) as string | number | boolean | null;
    const prediction = p === null ? null : String(p);
    let pairs = confusion.get(r.variant);
    if (!pairs) confusion.set(r.variant, (pairs = new Map()));
    const key = `${prediction === null ? '\u0001' : prediction}\u0000${r.label}`;
    const pair = pairs.get(key);
    if (pair) pair.n += n;
    else pairs.set(key, { prediction, label: r.label, n });
    const b = Number(r.bin);
    if (b >= 0) {
      let bins = calibration.get(r.variant);
      if (!bins) calibration.set(r.variant, (bins = new Map()));
      let bin = bins.get(b);
      if (!bin) bins.set(b, (bin = { bin: b, n: 0, confidenceSum: 0, correct: 0 }));
      bin.n += n;
      bin.confidenceSum += Number(r.csum);
      bin.correct += Number(r.correct);
    }
  }
  for (const [variant, pairs] of confusion) of(variant).counts.confusion = [...pairs.values()];
  for (const [variant, bins] of calibration) of(variant).counts.calibration = [...bins.values()].sort((a, b) => a.bin - b.bin);
  return [...by.values()].sort((a, b) => (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0));
}

/** Minutes of a window (fromMs, toMs]: the rollup's granularity (a window's edges move to whole minutes). */
export function windowMinutes(fromMs: number, toMs: number): [number, number] {
  return [Math.floor(fromMs / 60_000), Math.floor(toMs / 60_000)];
}

import { rowPredictionId, type PredictionRecord, type RecordValue } from '@modelwatch/core';
import type { CellValue, Column, InputBatch, OutputBatch, OutputColumn } from '../protocols/types.js';
import type { PrivacyPolicy } from './privacy.js';

/** What the request path leaves behind for one answer: references only, no copying or formatting. */
export interface PendingAnswer {
  id: string;
  timeMs: number;
  traceId?: string;
  /** Present for the sampled input share, and whenever a subject field is configured (for its key). */
  inputs?: InputBatch;
  /** Whether the inputs themselves are recorded (the sampled share). */
  keepInputs: boolean;
  outputs?: OutputBatch;
  /** The variant that answered, when not the log's own (rollouts: canary, blue/green). */
  variant?: VariantOfAnswer;
}

/** Which variant of the model answered (each variant has its own version and class labels). */
export interface VariantOfAnswer {
  variant: string;
  version: string;
  classLabels?: readonly string[];
}

export interface RecordIdentity {
  model: string;
  version: string;
  variant: string;
  stage: string;
  pipeline: string;
}

/** Outputs per record, like the output monitor: a model with more is recorded by its first ones. */
const MAX_OUTPUTS = 16;
/** Inputs per record (the collector's bound on fields). */
const MAX_FIELDS = 512;

function cell(column: Column, row: number): CellValue {
  const v = (column as ArrayLike<CellValue>)[row];
  return v === undefined ? null : v;
}

interface RowOutput {
  value: RecordValue;
  confidence?: number;
}

function outputAt(column: OutputColumn, row: number, classLabels: readonly string[] | undefined): RowOutput {
  if (column.kind === 'probabilities') {
    if (row >= column.rows) return { value: null };
    let best = -1;
    let bestP = -Infinity;
    const base = row * column.classes;
    for (let c = 0; c < column.classes; c++) {
      const p = column.data[base + c];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best < 0 || !Number.isFinite(bestP)) return { value: null };
    return { value: classLabels?.[best] ?? String(best), confidence: Math.min(1, Math.max(0, bestP)) };
  }
  const v = column.values[row];
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return { value: null };
  return { value: v };
}

/**
 * Turns pending answers into prediction records, one per row, with the privacy rules applied.
 * Runs off the request path (the recorder's flush), so it may allocate freely.
 */
export function buildRecords(
  pending: PendingAnswer,
  identity: RecordIdentity,
  privacy: PrivacyPolicy,
  classLabels: readonly string[] | undefined,
): PredictionRecord[] {
  const rows = Math.max(1, pending.outputs?.rows ?? pending.inputs?.rows ?? 1);
  const time = new Date(pending.timeMs).toISOString();
  const outputs = pending.outputs ? [...pending.outputs.outputs].slice(0, MAX_OUTPUTS) : [];
  const records: PredictionRecord[] = [];
  for (let r = 0; r < rows; r++) {
    const record: PredictionRecord = {
      id: rowPredictionId(pending.id, r, rows),
      time,
      model: identity.model,
      version: pending.variant?.version ?? identity.version,
      variant: pending.variant?.variant ?? identity.variant,
      stage: identity.stage,
      pipeline: identity.pipeline,
      prediction: null,
    };
    if (outputs.length > 0) {
      const values: Record<string, RecordValue> = {};
      let primary: RecordValue | undefined;
      for (const [name, column] of outputs) {
        const o = outputAt(column, r, pending.variant?.classLabels ?? classLabels);
        values[name] = typeof o.value === 'string' ? privacy.text(o.value) : o.value;
        if (primary === undefined) primary = values[name];
        if (o.confidence !== undefined && record.confidence === undefined) record.confidence = o.confidence;
      }
      record.outputs = values;
      record.prediction = typeof primary === 'boolean' ? String(primary) : (primary ?? null);
    }
    const row = new Map<string, CellValue>();
    if (pending.inputs) {
      const columns = pending.inputs?.columns;
      if (columns) for (const [name, column] of columns) if (row.size < MAX_FIELDS) row.set(name, cell(column, r));
      for (const [name, items] of pending.inputs?.media ?? []) {
        const v = items[r];
        if (typeof v === 'string' && row.size < MAX_FIELDS) row.set(name, v);
      }
    }
    if (pending.keepInputs && pending.inputs) record.inputs = privacy.inputs(row);
    const subject = privacy.subjectKey(row);
    if (subject !== undefined) record.subject = subject;
    if (pending.traceId !== undefined) record.traceId = pending.traceId;
    records.push(record);
  }
  return records;
}

import { ComparisonResult } from '@modelwatch/core';
import type { OutputBatch, OutputColumn } from '../protocols/types.js';
import type { RolloutMetrics } from './rollout-metrics.js';

/** Per-row top class of a probabilities output. */
function argmax(col: Extract<OutputColumn, { kind: 'probabilities' }>, row: number): number {
  const base = row * col.classes;
  let best = 0;
  let bestP = -Infinity;
  for (let c = 0; c < col.classes; c++) {
    const p = col.data[base + c];
    if (p > bestP) {
      bestP = p;
      best = c;
    }
  }
  return best;
}

export interface ComparisonSummary {
  /** Rows compared on a class (probabilities, labels, integer classes). */
  classRows: number;
  disagreements: number;
}

/**
 * Compares a candidate's outputs with the reference variant's outputs for the same request, output by
 * output: probabilities by top class, strings, booleans and integers as class labels (same value =
 * agreement), other numbers as regression values (absolute and relative difference). Outputs present
 * in one answer only, or with a different row count, are counted as incomparable.
 */
export function compareOutputs(
  metrics: RolloutMetrics,
  variant: string,
  reference: string,
  candidate: OutputBatch,
  ref: OutputBatch,
): ComparisonSummary {
  const summary: ComparisonSummary = { classRows: 0, disagreements: 0 };
  for (const [name, a] of candidate.outputs) {
    if (!metrics.acceptsOutput(variant, reference, name)) continue;
    const b = ref.outputs.get(name);
    const rowsA = a.kind === 'probabilities' ? a.rows : a.values.length;
    const rowsB = b ? (b.kind === 'probabilities' ? b.rows : b.values.length) : -1;
    if (!b || rowsA !== rowsB || a.kind !== b.kind || (a.kind === 'probabilities' && b.kind === 'probabilities' && a.classes !== b.classes)) {
      metrics.comparison(variant, reference, name, ComparisonResult.incomparable, Math.max(rowsA, 1));
      continue;
    }
    let agree = 0;
    let disagree = 0;
    let incomparable = 0;
    if (a.kind === 'probabilities' && b.kind === 'probabilities') {
      for (let r = 0; r < a.rows; r++) {
        if (argmax(a, r) === argmax(b, r)) agree++;
        else disagree++;
      }
    } else if (a.kind === 'values' && b.kind === 'values') {
      for (let r = 0; r < a.values.length; r++) {
        const x = a.values[r];
        const y = b.values[r];
        if (typeof x === 'number' && typeof y === 'number' && !(Number.isInteger(x) && Number.isInteger(y))) {
          if (!Number.isFinite(x) || !Number.isFinite(y)) {
            incomparable++;
            continue;
          }
          const abs = Math.abs(x - y);
          metrics.difference(variant, reference, name, 'absolute', abs);
          metrics.difference(variant, reference, name, 'relative', abs / Math.max(Math.abs(y), 1e-9));
        } else if (x === null || y === null) {
          incomparable++;
        } else if (x === y) agree++;
        else disagree++;
      }
    }
    // Both series exist as soon as rows were compared (a 0 included), so a disagreement ratio has a numerator.
    if (agree + disagree > 0) {
      metrics.comparison(variant, reference, name, ComparisonResult.agree, agree);
      metrics.comparison(variant, reference, name, ComparisonResult.disagree, disagree);
    }
    if (incomparable > 0) metrics.comparison(variant, reference, name, ComparisonResult.incomparable, incomparable);
    summary.classRows += agree + disagree;
    summary.disagreements += disagree;
  }
  return summary;
}

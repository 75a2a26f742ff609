import { ModelwatchError, ReviewErrors } from '@modelwatch/core';
import type { LabelledPrediction, PredictionStore } from '../store/prediction-store.js';

/** Thresholds of the default report (and the `threshold` label values of the automation gauges). */
export const AUTOMATION_THRESHOLDS: readonly number[] = [0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99];

export interface AutomationRow {
  /** Answers with confidence >= threshold are automated; the rest go to a person. */
  threshold: number;
  /** Labelled answers that would have been automated. */
  automated: number;
  /** automated / labelled. */
  share: number;
  /** Share of the automated answers the label agrees with; null when none would be automated. */
  accuracy: number | null;
}

export interface AutomationReport {
  model: string;
  from: string;
  to: string;
  /** Labelled classification answers with a confidence in the period (the report's denominator). */
  labelled: number;
  rows: AutomationRow[];
}

/** The usable rows: classification answers (a class label) that carried a confidence. */
function usable(rows: readonly LabelledPrediction[]): { confidence: number; correct: boolean }[] {
  return rows.flatMap((r) =>
    r.confidence === undefined || r.label === undefined || r.prediction === null ? [] : [{ confidence: r.confidence, correct: String(r.prediction) === r.label }],
  );
}

/**
 * For each threshold, what automating every answer at or above it would have meant on the
 * labelled history: how many answers it automates and how accurate those were. Pure; the report,
 * the CLI table and the dashboard gauges all come from here.
 */
export function computeAutomation(rows: readonly LabelledPrediction[], thresholds: readonly number[]): { labelled: number; rows: AutomationRow[] } {
  const points = usable(rows).sort((a, b) => b.confidence - a.confidence);
  const n = points.length;
  const out: AutomationRow[] = [];
  // Thresholds from high to low walk the points once, highest confidence first.
  const desc = [...thresholds].sort((a, b) => b - a);
  let i = 0;
  let correct = 0;
  for (const t of desc) {
    while (i < n && points[i].confidence >= t) {
      if (points[i].correct) correct++;
      i++;
    }
    out.push({ threshold: t, automated: i, share: n === 0 ? 0 : i / n, accuracy: i === 0 ? null : correct / i });
  }
  return { labelled: n, rows: out.reverse() };
}

export async function automationReport(
  store: PredictionStore,
  model: string,
  fromMs: number,
  toMs: number,
  thresholds: readonly number[],
): Promise<AutomationReport> {
  const computed = computeAutomation(await store.labelledPredictions(model, fromMs, toMs), thresholds);
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  if (computed.labelled === 0) throw new ModelwatchError(ReviewErrors.noLabels, { model, from, to });
  return { model, from, to, ...computed };
}

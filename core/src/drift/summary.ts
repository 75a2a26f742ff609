/**
 * One line saying what a drift report means, for status lines and terminal output. Missing data
 * is never "no drift": a window with no rows says it is empty, one too small for any verdict says
 * how many rows it has and how many a verdict needs.
 */
import type { DriftReport, FeatureDriftResult } from './types.js';
import { DRIFT_DEFAULTS } from './options.js';

export type ReportState = 'drift' | 'no_drift' | 'empty' | 'too_small';

export interface ReportSummary {
  state: ReportState;
  /** Drifted features, outputs and missing rates, e.g. `wind`, `probabilities (output)`. */
  drifted: string[];
  /** Input features with a verdict. */
  judged: number;
  /** Input features without one (too few values, another baseline version…). */
  unjudged: number;
  rows: number;
  text: string;
}

function label(f: FeatureDriftResult): string {
  return f.kind === 'input' ? f.feature : `${f.feature} (${f.kind === 'missing_rate' ? 'missing rate' : f.kind})`;
}

/** Rows of the window: the report's own figure, or (older reports) the largest per-feature count. */
function rowsOf(report: DriftReport): number {
  if (report.windowRows !== undefined) return report.windowRows;
  return report.features.reduce((m, f) => Math.max(m, f.windowSamples), 0);
}

export function summarizeReport(report: DriftReport): ReportSummary {
  const rows = rowsOf(report);
  const inputs = report.features.filter((f) => f.kind === 'input');
  const judged = inputs.filter((f) => f.verdict !== 'insufficient_data').length;
  const unjudged = inputs.length - judged;
  const drifted = report.features.filter((f) => f.verdict === 'drift').map(label);
  const rowsText = `${rows} row${rows === 1 ? '' : 's'}`;
  if (judged === 0 && drifted.length === 0) {
    const min = report.minSamples ?? DRIFT_DEFAULTS.minSamples;
    const state: ReportState = rows === 0 ? 'empty' : 'too_small';
    const text = rows === 0 ? 'no data (window empty, 0 rows)' : `too little data for a verdict (${rowsText}, ${min} needed)`;
    return { state, drifted, judged, unjudged, rows, text };
  }
  const partly = unjudged > 0 ? `; ${unjudged} feature${unjudged === 1 ? '' : 's'} without a verdict` : '';
  if (drifted.length > 0) return { state: 'drift', drifted, judged, unjudged, rows, text: `drift in ${drifted.join(', ')} (${rowsText}${partly})` };
  return { state: 'no_drift', drifted, judged, unjudged, rows, text: `no drift (${rowsText}${partly})` };
}

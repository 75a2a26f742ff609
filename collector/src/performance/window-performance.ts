import { realizedPerformance, type BaselineProfile, type PerformanceResult } from '@modelwatch/core';
import type { LabelledPrediction, PredictionCounts } from '../store/prediction-store.js';
import type { PerformanceReport, VariantPerformance } from './report.js';

/** The class table realized performance is bounded by: the baseline's first categorical prediction output. */
export function baselineClasses(profile: BaselineProfile | undefined): string[] | undefined {
  const out = profile?.outputs.find((o) => o.role === 'prediction' && o.type === 'categorical');
  return out && out.type === 'categorical' ? out.categories.map((c) => c.value) : undefined;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * One model's realized performance in one window, per variant: pure `(joined rows, counts,
 * baseline) → report`. Variants come from the counts (every variant with predictions), so a
 * variant without labels still reports its coverage (0) and event rates.
 */
export function windowPerformance(
  model: string,
  window: { label: string; fromMs: number; toMs: number },
  labelled: readonly LabelledPrediction[],
  counts: readonly PredictionCounts[],
  events: readonly string[],
  baseline: BaselineProfile | undefined,
): PerformanceReport {
  const classes = baselineClasses(baseline);
  const byVariant = new Map<string, LabelledPrediction[]>();
  for (const row of labelled) {
    let list = byVariant.get(row.variant);
    if (!list) byVariant.set(row.variant, (list = []));
    list.push(row);
  }
  const variants: VariantPerformance[] = counts.map((c) => {
    const rows = byVariant.get(c.variant) ?? [];
    const out: VariantPerformance = { variant: c.variant, predictions: c.predictions, labelled: c.labelled, eventRates: {} };
    if (c.predictions > 0) {
      out.labelCoverage = c.labelled / c.predictions;
      for (const e of events) out.eventRates[e] = (c.events[e] ?? 0) / c.predictions;
    }
    if (rows.length > 0) {
      const delays = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) delays[i] = Math.max(0, rows[i].labelMs - rows[i].timeMs) / 1000;
      delays.sort();
      out.labelDelaySeconds = { p50: quantile(delays, 0.5), p90: quantile(delays, 0.9) };
      const performance = realizedPerformance(rows, classes ? { classes } : {});
      if (performance) out.performance = performance;
    }
    return out;
  });
  const report: PerformanceReport = {
    model,
    window: window.label,
    start: new Date(window.fromMs).toISOString(),
    end: new Date(window.toMs).toISOString(),
    variants,
  };
  const reference: PerformanceResult | undefined = baseline?.performance?.result;
  if (reference) report.reference = reference;
  if (baseline?.version) report.baselineVersion = baseline.version;
  return report;
}

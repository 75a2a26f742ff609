import { performanceFromCounts, type BaselineProfile, type PerformanceResult } from '@modelwatch/core';
import { delayQuantile } from '../store/delay-buckets.js';
import type { PredictionCounts, VariantPerformanceCounts } from '../store/prediction-store.js';
import type { PerformanceReport, VariantPerformance } from './report.js';

/** The class table realized performance is bounded by: the baseline's first categorical prediction output. */
export function baselineClasses(profile: BaselineProfile | undefined): string[] | undefined {
  const out = profile?.outputs.find((o) => o.role === 'prediction' && o.type === 'categorical');
  return out && out.type === 'categorical' ? out.categories.map((c) => c.value) : undefined;
}

/**
 * One model's realized performance in one window, per variant: pure `(aggregated statistics,
 * counts, baseline) → report`. Variants come from the counts (every variant with predictions), so a
 * variant without labels still reports its coverage (0) and event rates.
 */
export function windowPerformance(
  model: string,
  window: { label: string; fromMs: number; toMs: number },
  labelled: readonly VariantPerformanceCounts[],
  counts: readonly PredictionCounts[],
  events: readonly string[],
  baseline: BaselineProfile | undefined,
): PerformanceReport {
  const classes = baselineClasses(baseline);
  const byVariant = new Map(labelled.map((v) => [v.variant, v]));
  const variants: VariantPerformance[] = counts.map((c) => {
    const stats = byVariant.get(c.variant);
    const out: VariantPerformance = { variant: c.variant, predictions: c.predictions, labelled: c.labelled, eventRates: {} };
    if (c.predictions > 0) {
      out.labelCoverage = c.labelled / c.predictions;
      for (const e of events) out.eventRates[e] = (c.events[e] ?? 0) / c.predictions;
    }
    if (stats) {
      const p50 = delayQuantile(stats.delays, 0.5);
      const p90 = delayQuantile(stats.delays, 0.9);
      if (p50 !== undefined && p90 !== undefined) out.labelDelaySeconds = { p50, p90 };
      const performance = performanceFromCounts(stats.counts, classes ? { classes } : {});
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

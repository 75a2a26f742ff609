/**
 * The series a sidecar replica exposes for its inputs, which is what a fleet multiplies: a
 * Prometheus-API engine holds replicas × this many series per model, and every raw window query
 * and window recording rule reads them all. Three knobs set it, each documented in docs/metrics.md:
 * bins per numeric feature (chosen when the baseline is profiled, `modelwatch baseline --bins`),
 * which per-feature counters the sidecar exposes (`--feature-counters`), and how many features it
 * monitors (`--max-features`).
 */

/** Per-feature counters besides the bin buckets; the buckets themselves are what drift needs. */
export const FEATURE_COUNTERS = ['sum_count', 'invalid', 'out_of_range'] as const;
export type FeatureCounter = (typeof FEATURE_COUNTERS)[number];

export interface SeriesBudgetInput {
  numericFeatures: number;
  categoricalFeatures: number;
  /** Bins between the baseline's min and max; two open outer bins come on top. */
  binsPerNumeric: number;
  /** Categories kept per categorical feature (top-k), `__other__` on top. */
  categoriesPerCategorical: number;
  counters: readonly FeatureCounter[];
}

/** Series per counter: `_sum` + `_count`; invalid by kind (missing, nan, inf); out of range by side. */
const COUNTER_SERIES: Record<FeatureCounter, number> = { sum_count: 2, invalid: 3, out_of_range: 2 };

export interface SeriesBudget {
  perNumeric: number;
  perCategorical: number;
  total: number;
}

export function inputSeriesPerReplica(b: SeriesBudgetInput): SeriesBudget {
  const has = (c: FeatureCounter) => (b.counters.includes(c) ? COUNTER_SERIES[c] : 0);
  // le buckets: one per edge (bins + 1 edges) plus +Inf.
  const perNumeric = b.binsPerNumeric + 2 + has('sum_count') + has('invalid') + has('out_of_range');
  const perCategorical = b.categoriesPerCategorical + 1 + has('invalid');
  return { perNumeric, perCategorical, total: b.numericFeatures * perNumeric + b.categoricalFeatures * perCategorical };
}

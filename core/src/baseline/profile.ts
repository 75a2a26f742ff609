import type { PerformanceResult } from '../performance/realized.js';
/**
 * The baseline profile: the contract between training and serving. An ML engineer profiles the
 * training data once; the collector stores it; the sidecar uses its bin edges and category tables
 * for the live histograms; the drift engine compares live windows with it.
 *
 * Bin convention (matches Prometheus `le` buckets): `edges` ascending, bin 0 is (-inf, edges[0]],
 * bin i is (edges[i-1], edges[i]], the last bin is (edges[n-1], +inf). So counts.length === edges.length + 1
 * and the two outer bins are the open bins below the training minimum and above the training maximum.
 */
export const BASELINE_SCHEMA = 'modelwatch.baseline/v1';

export type FeatureType = 'numeric' | 'categorical';

export interface NumericBins {
  edges: number[];
  counts: number[];
}

/** A mergeable quantile sketch, serialised. `type` names the algorithm (see core/src/baseline/sketch). */
export interface QuantileSketchData {
  type: string;
  [key: string]: unknown;
}

interface FeatureProfileBase {
  name: string;
  type: FeatureType;
  /** Non-missing values. */
  count: number;
  /** Missing, null, NaN or unparseable values. */
  missing: number;
}

export interface NumericFeatureProfile extends FeatureProfileBase {
  type: 'numeric';
  min: number;
  max: number;
  mean: number;
  std: number;
  bins: NumericBins;
  sketch?: QuantileSketchData;
}

export interface CategoryCount {
  value: string;
  count: number;
}

export interface CategoricalFeatureProfile extends FeatureProfileBase {
  type: 'categorical';
  /** Top-K categories, most frequent first. */
  categories: CategoryCount[];
  /** Values outside the top-K table (the `__other__` bucket). */
  otherCount: number;
}

export type FeatureProfile = NumericFeatureProfile | CategoricalFeatureProfile;

/** A model output profiled like a feature; `role` says what it is. */
export type OutputProfile = FeatureProfile & {
  /** Name of the model output this profile belongs to (the `output` metric label). */
  output: string;
  role: 'prediction' | 'confidence';
};

/** Bin counts of one baseline chunk, used to calibrate thresholds (score of chunk vs baseline). */
export interface ChunkProfile {
  rows: number;
  /** Per feature/output name: counts per bin (numeric) or per category in table order + other last (categorical). */
  counts: Record<string, number[]>;
  missing: Record<string, number>;
}

export interface BaselineProfile {
  schema: typeof BASELINE_SCHEMA;
  model: string;
  /** Assigned by the collector on upload; absent in a freshly created file. */
  version?: string;
  createdAt: string;
  rows: number;
  features: FeatureProfile[];
  outputs: OutputProfile[];
  chunks: ChunkProfile[];
  /** Free-form provenance: source file, git sha, training run id… */
  metadata?: Record<string, string>;
  /**
   * Reference performance: the model's answers (a prediction output) against the true labels of
   * the profiled data (hold-out), recorded by `baseline create --label`. Realized performance in
   * production is compared with it.
   */
  performance?: ReferencePerformance;
}

export interface ReferencePerformance {
  /** Column of the true label or value. */
  label: string;
  /** Output column holding the model's answer. */
  prediction: string;
  result: PerformanceResult;
}

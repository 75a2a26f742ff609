import type { FeatureType } from '../baseline/profile.js';

/**
 * A live window: counts over the baseline's bins/categories, aggregated across replicas
 * (by Prometheus) or pushed by a sidecar. Raw values never reach the collector.
 */
export interface WindowFeatureCounts {
  name: string;
  type: FeatureType;
  /** Numeric: counts per baseline bin (same length as the baseline's counts).
   *  Categorical: counts in the baseline's category table order, `__other__` last. */
  counts: number[];
  missing: number;
}

export interface LiveWindow {
  model: string;
  /** The variant whose traffic this window counts (rollouts); absent: every variant together. */
  variant?: string;
  /** Window label, e.g. `15m`, `1h`. */
  window: string;
  start: string;
  end: string;
  features: WindowFeatureCounts[];
  outputs: (WindowFeatureCounts & { output: string; role: 'prediction' | 'confidence' })[];
}

export type DriftDirection = 'higher_is_drift' | 'lower_is_drift';

export type DriftMethod =
  | 'psi'
  | 'jensenshannon'
  | 'ks'
  | 'wasserstein'
  | 'chisquare'
  | 'hellinger'
  | 'linf';

export type DriftVerdict = 'drift' | 'no_drift' | 'insufficient_data';

export interface FeatureDriftResult {
  feature: string;
  kind: 'input' | 'missing_rate' | 'output';
  method: DriftMethod;
  score: number | null;
  pValue?: number;
  threshold: number;
  /** Where the threshold came from: calibrated from chunks, per-feature override, per-type, global, default. */
  thresholdSource: 'calibrated' | 'feature' | 'type' | 'global' | 'default';
  direction: DriftDirection;
  verdict: DriftVerdict;
  baselineSamples: number;
  windowSamples: number;
  /** Why the verdict is insufficient_data, etc. */
  note?: string;
}

export interface DriftReport {
  model: string;
  /** The variant this report judges (rollouts); absent: every variant of the model together. */
  variant?: string;
  baselineVersion?: string;
  window: string;
  start: string;
  end: string;
  features: FeatureDriftResult[];
  driftedShare: number;
  datasetDrift: boolean;
  datasetDriftThreshold: number;
  /**
   * The dataset's verdict: `insufficient_data` when no input feature could be judged (an empty or
   * too-small window is never "no drift"). Absent in reports stored before it existed.
   */
  verdict?: DriftVerdict;
  /** Rows in the window (largest present + missing count over the inputs). */
  windowRows?: number;
  /** Values a feature needs for a verdict (DriftOptions.minSamples). */
  minSamples?: number;
}

/**
 * What a sidecar that cannot be scraped pushes to the collector: the counts of one closed
 * window. `(source, seq)` is unique per sidecar instance, so a retried push is recognised and
 * never counted twice.
 */
export interface PushedWindow {
  /** Stable id of the sidecar instance (survives restarts: it is kept next to the buffer). */
  source: string;
  /** Monotonic sequence number of this window for the source. */
  seq: number;
  model: string;
  modelVersion?: string;
  /** The sidecar variant whose traffic the window counts (absent: a sidecar without variants). */
  variant?: string;
  baselineVersion?: string;
  start: string;
  end: string;
  rows: number;
  features: WindowFeatureCounts[];
  outputs: (WindowFeatureCounts & { output: string; role: 'prediction' | 'confidence' })[];
}

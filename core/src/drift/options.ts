/**
 * Drift options and the one place where method and threshold precedence is resolved:
 *   per feature > per type > global > calibrated from the baseline's chunks > method default.
 */
import type { FeatureType } from '../baseline/profile.js';
import type { DriftMethod, FeatureDriftResult } from './types.js';
import type { DriftMethodDescriptor } from './registry.js';

export interface DriftOptions {
  /** Method for every feature (overrides the default by type and sample size). */
  method?: DriftMethod;
  methodByType?: Partial<Record<FeatureType, DriftMethod>>;
  methodByFeature?: Record<string, DriftMethod>;
  threshold?: number;
  thresholdByType?: Partial<Record<FeatureType, number>>;
  thresholdByFeature?: Record<string, number>;
  /** Calibrate distance thresholds from the baseline chunks (mean + k·σ). Default true. */
  calibrate?: boolean;
  /** k in mean + k·σ. Default 3 (NannyML). */
  calibrationSigmas?: number;
  /** Windows with fewer non-missing values get `insufficient_data`. Default 30. */
  minSamples?: number;
  /** Windows up to this size use a test (KS / chi-square), larger ones a distance. Default 1000 (Evidently). */
  smallSampleSize?: number;
  /** Share of drifted input features at which the dataset drifts. Default 0.5. */
  datasetDriftShare?: number;
  /** Absolute change of the missing rate that is drift when chunks cannot calibrate it. Default 0.05. */
  missingRateThreshold?: number;
}

export const DRIFT_DEFAULTS = {
  calibrationSigmas: 3,
  minSamples: 30,
  smallSampleSize: 1000,
  datasetDriftShare: 0.5,
  missingRateThreshold: 0.05,
} as const;

/** Evidently's rule, on the window size: a test for small windows, a distance for large ones. */
export function resolveMethod(name: string, type: FeatureType, windowSamples: number, options: DriftOptions): DriftMethod {
  const explicit = options.methodByFeature?.[name] ?? options.methodByType?.[type] ?? options.method;
  if (explicit) return explicit;
  const small = windowSamples <= (options.smallSampleSize ?? DRIFT_DEFAULTS.smallSampleSize);
  if (type === 'numeric') return small ? 'ks' : 'wasserstein';
  return small ? 'chisquare' : 'jensenshannon';
}

export function resolveThreshold(
  name: string,
  type: FeatureType,
  method: DriftMethodDescriptor,
  calibrated: number | undefined,
  options: DriftOptions,
): { threshold: number; source: FeatureDriftResult['thresholdSource'] } {
  const feature = options.thresholdByFeature?.[name];
  if (feature !== undefined) return { threshold: feature, source: 'feature' };
  const byType = options.thresholdByType?.[type];
  if (byType !== undefined) return { threshold: byType, source: 'type' };
  if (options.threshold !== undefined) return { threshold: options.threshold, source: 'global' };
  if (calibrated !== undefined) return { threshold: calibrated, source: 'calibrated' };
  return { threshold: method.defaultThreshold, source: 'default' };
}

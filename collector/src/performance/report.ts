import type { PerformanceResult } from '@modelwatch/core';

/** Realized performance of one variant in one window. */
export interface VariantPerformance {
  variant: string;
  /** Prediction records made in the window. */
  predictions: number;
  /** Of those, labelled. */
  labelled: number;
  /** labelled / predictions; undefined without predictions. */
  labelCoverage?: number;
  /** Time from prediction to label, seconds (median and 90th percentile of the labelled ones). */
  labelDelaySeconds?: { p50: number; p90: number };
  /** undefined when no prediction of the window has a usable label. */
  performance?: PerformanceResult;
  /** Share of predictions with at least one user signal of each configured name. */
  eventRates: Record<string, number>;
}

/** One evaluation of one model and window: what `/performance` serves and the history keeps. */
export interface PerformanceReport {
  model: string;
  window: string;
  start: string;
  end: string;
  variants: VariantPerformance[];
  /** The active baseline's hold-out figures, when it has them. */
  reference?: PerformanceResult;
  baselineVersion?: string;
}

export interface StoredPerformanceReport {
  evaluatedAt: string;
  report: PerformanceReport;
}

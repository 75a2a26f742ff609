export {
  Label,
  MODEL_IDENTITY_LABELS,
  OTHER_CATEGORY,
  Outcome,
  ErrorReason,
  InvalidValueKind,
  RangeSide,
  DriftKind,
  WindowSourceKind,
} from './contract/labels.js';
export type { LabelKey, OutcomeValue, ErrorReasonValue } from './contract/labels.js';
export {
  SidecarSoftware,
  SidecarInput,
  SidecarOutput,
  CollectorDrift,
  ALL_METRICS,
  CONTRACT_SERIES_NAMES,
  DEFAULT_METRIC_PREFIXES,
  seriesNames,
} from './contract/metrics.js';
export type { MetricDescriptor, MetricType, Component } from './contract/metrics.js';
export { BASELINE_SCHEMA } from './baseline/profile.js';
export type {
  BaselineProfile,
  FeatureProfile,
  NumericFeatureProfile,
  CategoricalFeatureProfile,
  OutputProfile,
  ChunkProfile,
  NumericBins,
  CategoryCount,
  FeatureType,
  QuantileSketchData,
} from './baseline/profile.js';
export type {
  LiveWindow,
  WindowFeatureCounts,
  DriftDirection,
  DriftMethod,
  DriftVerdict,
  FeatureDriftResult,
  DriftReport,
  PushedWindow,
} from './drift/types.js';

export {
  Label,
  MODEL_IDENTITY_LABELS,
  OTHER_CATEGORY,
  Outcome,
  ErrorReason,
  TapOutcome,
  InvalidValueKind,
  RangeSide,
  DriftKind,
  WindowSourceKind,
  PerformanceMeasure,
  VariantRole,
  RolloutAction,
  RolloutTrigger,
  AnalysisCheck,
  CheckResult,
  ComparisonResult,
  ShadowOutcome,
  DifferenceKind,
  AutomationLevel,
  RoundModelOutcome,
  WindowQueryOutcome,
  TraceDropReason,
} from './contract/labels.js';
export type { LabelKey, OutcomeValue, ErrorReasonValue, TapOutcomeValue, TraceDropReasonValue, WindowQueryOutcomeValue, PerformanceMeasureValue } from './contract/labels.js';
export type {
  VariantRoleValue,
  RolloutActionValue,
  RolloutTriggerValue,
  AnalysisCheckValue,
  CheckResultValue,
  ComparisonResultValue,
  ShadowOutcomeValue,
  AutomationLevelValue,
} from './contract/labels.js';
export { CONFIDENCE_BAND_EDGES, confidenceBand, ReviewReason, REVIEW_REASONS, RetrainingReason } from './contract/labels.js';
export type { ReviewReasonValue, RetrainingReasonValue } from './contract/labels.js';
export {
  SidecarSoftware,
  SidecarInput,
  SidecarOutput,
  CollectorDrift,
  SidecarRollout,
  SidecarPredictionLog,
  SidecarTap,
  CollectorPerformance,
  CollectorReview,
  CollectorHealth,
  ALL_METRICS,
  CONTRACT_SERIES_NAMES,
  DEFAULT_METRIC_PREFIXES,
  seriesNames,
} from './contract/metrics.js';
export type { MetricDescriptor, MetricType, Component } from './contract/metrics.js';
export { RecordedWindows, ALL_RECORDED_WINDOWS, RECORDED_WINDOW_INTERVAL, BUCKET_LABEL } from './contract/recorded.js';
export type { RecordedWindowSeries } from './contract/recorded.js';
export { FEATURE_COUNTERS, inputSeriesPerReplica } from './contract/series-budget.js';
export type { FeatureCounter, SeriesBudget, SeriesBudgetInput } from './contract/series-budget.js';
export {
  ConfigErrors,
  RequestErrors,
  AuthErrors,
  ModelErrors,
  InferenceErrors,
  PushErrors,
  FeedbackErrors,
  ReviewErrors,
  RolloutErrors,
  TapErrors,
  SourceErrors,
  CliErrors,
  InternalErrors,
  ERROR_CATALOGUE,
} from './errors/catalogue.js';
export type { ErrorSpec } from './errors/catalogue.js';
export {
  ModelwatchError,
  isModelwatchError,
  formatMessage,
  correlationId,
  internalError,
  errorBody,
} from './errors/modelwatch-error.js';
export type { ErrorParams, ErrorBody } from './errors/modelwatch-error.js';
export { ConfigError, configSpec } from './errors/config-error.js';
export { rateLimitedLog } from './errors/rate-limited-log.js';
export { preview } from './errors/preview.js';
export { readTlsFiles, readCaFile } from './tls/tls-files.js';
export type { TlsFiles, TlsMaterial } from './tls/tls-files.js';
export type { LogFn, RateLimitedLogOptions } from './errors/rate-limited-log.js';
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
export { parseBaselineProfile, BaselineFormatError } from './baseline/parse.js';
export { ProfileBuilder, DEFAULT_BINS, DEFAULT_TOP_K } from './baseline/builder.js';
export type { ProfileBuilderOptions, OutputSpec } from './baseline/builder.js';
export { mergeProfiles } from './baseline/merge.js';
export { KllSketch, KLL_DEFAULT_K } from './baseline/sketch.js';
export type { KllSketchData } from './baseline/sketch.js';
export { binCounts, binIndex, baselineCounts } from './baseline/binning.js';
export { toNumber, toCategory, isMissing } from './baseline/values.js';
export { inferColumnTypes, inferType } from './io/infer.js';
export type { ColumnSpec } from './io/infer.js';
export { computeDrift } from './drift/engine.js';
export { summarizeReport } from './drift/summary.js';
export { computeRawDrift, rawHistogram, RawTableBuilder } from './drift/raw-drift.js';
export type { RawColumn, RawTable, RawDriftResult } from './drift/raw-drift.js';
export { profileHistograms } from './drift/histograms.js';
export type { FeatureHistogram } from './drift/histograms.js';
export { readRawTable } from './io/raw-table.js';
export { renderHtmlReport, bySeverity, severity } from './report/html-report.js';
export type { HtmlReportOptions } from './report/html-report.js';
export type { RawReadOptions } from './io/raw-table.js';
export type { ReportSummary, ReportState } from './drift/summary.js';
export { WindowBuilder } from './drift/window-builder.js';
export { DRIFT_METHODS, driftMethod, isDrift } from './drift/registry.js';
export type { DriftMethodDescriptor, MethodInput, MethodScore } from './drift/registry.js';
export { DRIFT_DEFAULTS, resolveMethod, resolveThreshold } from './drift/options.js';
export type { DriftOptions } from './drift/options.js';
export { parseDriftOptions, DriftOptionsError } from './drift/parse-options.js';
export { ks2samp, ksPValue, ksTest, wasserstein, chiSquare } from './stats/samples.js';
export type { TestResult, KsMethod } from './stats/samples.js';
export { exactKs2samp, KS_MAX_EXACT_N } from './stats/ks-exact.js';
export {
  jensenShannon,
  psi,
  hellinger,
  lInfinity,
  ksFromCounts,
  wassersteinFromCounts,
  chiSquareFromCounts,
  binMidpoints,
  PSI_EPSILON,
} from './stats/binned.js';
export { kolmogorovSf } from './stats/kolmogorov.js';
export { binShape, wassersteinShaped } from './stats/bin-shape.js';
export type { BinShape } from './stats/bin-shape.js';
export { chi2Sf, gammaQ, logGamma } from './stats/special.js';
export { openTable, formatOf } from './io/open.js';
export type { TableFormat } from './io/open.js';
export { CsvSource, parseCsvRecord, parseNumberField } from './io/csv.js';
export { JsonLinesSource, JsonArraySource } from './io/jsonl.js';
export { ParquetSource } from './io/parquet.js';
export { TableReadError, MAX_REPORTED_ISSUES } from './io/table.js';
export type { RowBatch, ReadIssue, ReadStats, TableReadOptions, TableSource } from './io/table.js';
export { profileFile, windowFromFile } from './io/profile-file.js';
export { profileFileBatch, windowFromFileBatch } from './batch/batch-file.js';
export type { BatchEngineName } from './batch/batch-file.js';
export type { ProgressEvent, ProfileFileResult } from './io/profile-file.js';
export { checkPredictionRecord, checkPredictionBatch, isPredictionId, PREDICTION_ID, RECORD_LIMITS } from './predictions/record.js';
export type { PredictionRecord, RecordValue, Checked } from './predictions/record.js';
export { newPredictionId, predictionIdTime, rowPredictionId } from './predictions/prediction-id.js';
export { checkFeedbackBatch, isEventFeedback, EVENT_NAME, FEEDBACK_OUTCOMES, FEEDBACK_LIMITS } from './predictions/feedback.js';
export type { FeedbackItem, LabelFeedback, EventFeedback, FeedbackOutcome } from './predictions/feedback.js';
export { realizedPerformance, performanceFromCounts, inferTask } from './performance/realized.js';
export { countJoined, emptyCounts, calibrationBin, CALIBRATION_BINS } from './performance/counts.js';
export type { PerformanceCounts } from './performance/counts.js';
export type {
  JoinedPrediction,
  PerformanceTask,
  PerformanceResult,
  ClassificationPerformance,
  RegressionPerformance,
  ClassPerformance,
  PerformanceOptions,
} from './performance/realized.js';
export { DDM } from './concept/ddm.js';
export type { DdmParams, DdmState } from './concept/ddm.js';
export { ADWIN } from './concept/adwin.js';
export type { AdwinParams, AdwinState } from './concept/adwin.js';
export { PAGE_HINKLEY } from './concept/page-hinkley.js';
export type { PageHinkleyParams, PageHinkleyState } from './concept/page-hinkley.js';
export { CONCEPT_DETECTORS, predictionError } from './concept/registry.js';
export type { ConceptDetectorName } from './concept/registry.js';
export type { ConceptDetector, DetectorEvent, DetectorRun } from './concept/types.js';

export { startCollector } from './server.js';
export type { RunningCollector } from './server.js';
export { resolveOptions, parseDuration, parseTokens, ConfigError } from './config.js';
export { requireScope, TokenTable, SCOPES } from './api/auth.js';
export type { Scope, TokenSpec } from './api/auth.js';
export type { CollectorOptions, ResolvedOptions } from './config.js';
export { buildApp } from './api/app.js';
export type { AppDeps } from './api/app.js';
export { OPENAPI } from './api/openapi.js';
export { MemoryStore } from './store/memory-store.js';
export { SqliteStore } from './store/sqlite-store.js';
export { PostgresStore } from './store/postgres-store.js';
export { openStore } from './store/open-store.js';
export type { BaselineStore, BaselineSummary, ModelSummary, StoredDriftReport, PushOutcome } from './store/baseline-store.js';
export { DriftMetrics } from './drift/drift-metrics.js';
export type { EvaluationErrorReason } from './drift/drift-metrics.js';
export { Evaluator } from './drift/evaluator.js';
export { PrometheusWindowSource } from './windows/prometheus-source.js';
export { PushWindowSource } from './windows/push-source.js';
export { validatePushedWindow } from './windows/push-validate.js';
export { bucketsToCounts } from './windows/buckets.js';
export { WindowError, emptyWindow, addWindow } from './windows/window-source.js';
export type { WindowSource, WindowSpec } from './windows/window-source.js';
export { MemoryPredictionStore } from './store/memory-prediction-store.js';
export { SqlitePredictionStore } from './store/sqlite-prediction-store.js';
export { PostgresPredictionStore } from './store/postgres-prediction-store.js';
export { openPredictionStore } from './store/open-store.js';
export type {
  PredictionStore,
  StoredPrediction,
  LabelledPrediction,
  PredictionCounts,
  PredictionQuery,
  PutPredictionsResult,
  FeedbackContext,
  DetectorStateRow,
} from './store/prediction-store.js';
export { predictionRouter } from './api/prediction-routes.js';
export type { PredictionRouteDeps } from './api/prediction-routes.js';
export { FeedbackMetrics } from './performance/feedback-metrics.js';
export { RetentionLoop } from './performance/retention.js';
export { PerformanceEvaluator } from './performance/performance-evaluator.js';
export type { PerformanceEvaluatorOptions } from './performance/performance-evaluator.js';
export { PerformanceMetrics } from './performance/performance-metrics.js';
export { ConceptMonitor } from './performance/concept-monitor.js';
export type { ConceptEvent } from './performance/concept-monitor.js';
export { windowPerformance, baselineClasses } from './performance/window-performance.js';
export type { PerformanceReport, VariantPerformance, StoredPerformanceReport } from './performance/report.js';
export { ReviewQueue } from './review/review-queue.js';
export { MemoryReviewStore } from './review/memory-review-store.js';
export { SqliteReviewStore } from './review/sqlite-review-store.js';
export { PostgresReviewStore } from './review/postgres-review-store.js';
export { openReviewStore } from './review/open-review-store.js';
export type { ReviewStore, ReviewItem, RetrainingEvent, QueueBound, OverflowPolicy } from './review/review-store.js';
export { computeAutomation, AUTOMATION_THRESHOLDS } from './review/automation-report.js';
export type { AutomationReport, AutomationRow } from './review/automation-report.js';
export { RetrainingMonitor } from './retraining/retraining-monitor.js';
export type { RetrainingConfigInput, RetrainingPolicyInput } from './retraining/policy.js';
export { exportDataset, DATASET_FORMATS } from './dataset/dataset-export.js';
export type { DatasetFormat, DatasetQuery } from './dataset/dataset-export.js';

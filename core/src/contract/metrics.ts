import { Label, MODEL_IDENTITY_LABELS, type LabelKey } from './labels.js';

/**
 * The metric contract: every metric modelwatch exports, defined once. The sidecar and the
 * collector register metrics from these descriptors; dashboards, alert rules and the Grafana
 * plugin are tested against this list; docs/metrics.md is generated from it.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';
export type Component = 'sidecar' | 'collector';

export interface MetricDescriptor {
  /** Full Prometheus name, base units, `_total` on counters. */
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Base unit (`seconds`, `bytes`, `ratio`) or '' when dimensionless. */
  readonly unit: string;
  readonly labels: readonly LabelKey[];
  readonly component: Component;
}

const ID = MODEL_IDENTITY_LABELS;

function metric(
  component: Component,
  type: MetricType,
  name: string,
  unit: string,
  labels: readonly LabelKey[],
  help: string,
): MetricDescriptor {
  return { name, type, help, unit, labels, component };
}

/** Sidecar: software health. */
export const SidecarSoftware = {
  info: metric('sidecar', 'gauge', 'modelwatch_model_info', '',
    [...ID, Label.upstreamStages, Label.mode],
    'Always 1; labels describe the model and its place in the pipeline topology.'),
  requestDuration: metric('sidecar', 'histogram', 'modelwatch_request_duration_seconds', 'seconds',
    [...ID, Label.outcome], 'Time from request received to response sent, by the sidecar.'),
  inferenceDuration: metric('sidecar', 'histogram', 'modelwatch_inference_duration_seconds', 'seconds',
    [...ID], 'Time spent in the model: the upstream call (proxy) or the ONNX session run (embedded).'),
  requests: metric('sidecar', 'counter', 'modelwatch_requests_total', '',
    [...ID, Label.outcome, Label.statusClass], 'Inference requests handled, by outcome and HTTP status class.'),
  requestErrors: metric('sidecar', 'counter', 'modelwatch_request_errors_total', '',
    [...ID, Label.reason], 'Requests rejected or failed, by reason.'),
  inFlight: metric('sidecar', 'gauge', 'modelwatch_requests_in_flight', '',
    [...ID], 'Inference requests currently being handled.'),
  requestSize: metric('sidecar', 'histogram', 'modelwatch_request_size_bytes', 'bytes',
    [...ID], 'Size of inference request bodies.'),
  responseSize: metric('sidecar', 'histogram', 'modelwatch_response_size_bytes', 'bytes',
    [...ID], 'Size of inference response bodies.'),
  unmonitoredPayloads: metric('sidecar', 'counter', 'modelwatch_unmonitored_payloads_total', '',
    [...ID, Label.reason], 'Requests passed through untouched because their payload cannot be monitored (e.g. binary tensors).'),
  baselineLoaded: metric('sidecar', 'gauge', 'modelwatch_baseline_loaded', '',
    [...ID, Label.baselineVersion],
    '1 when a baseline profile supplies bin edges and category tables, 0 when default bins are in use (no baseline).'),
  pushWindows: metric('sidecar', 'counter', 'modelwatch_push_windows_total', '',
    [...ID, Label.outcome],
    'Windows of counts handled by the edge pusher, by outcome: sent (acknowledged by the collector), dropped (disk buffer full, oldest first), rejected (refused by the collector as invalid).'),
  pushBuffered: metric('sidecar', 'gauge', 'modelwatch_push_buffered_windows', '',
    [...ID], 'Windows waiting in the edge pusher\'s disk buffer for the collector.'),
  traceExportFailures: metric('sidecar', 'counter', 'modelwatch_trace_export_failures_total', '',
    [...ID], 'Batches of spans the OTLP exporter failed to deliver (endpoint down, slow or refusing); inference is never affected.'),
  traceSpansDropped: metric('sidecar', 'counter', 'modelwatch_trace_spans_dropped_total', '',
    [...ID, Label.reason],
    'Spans that never reached the OTLP endpoint, by reason: queue_full (the bounded export queue was full, the request was not slowed) or export_failed (their batch was not taken).'),
  connections: metric('sidecar', 'gauge', 'modelwatch_open_connections', '',
    [...ID], 'Client connections currently open on the sidecar (capped by limits.maxConnections).'),
} as const;

/** Sidecar: what goes into the model. */
export const SidecarInput = {
  featureValue: metric('sidecar', 'histogram', 'modelwatch_input_feature_value', '',
    [...ID, Label.feature],
    'Numeric feature values; bucket bounds are the baseline bin edges of each feature. Extracted features (text length, image brightness, audio RMS…) are named `<input>:<extractor>`.'),
  invalidValues: metric('sidecar', 'counter', 'modelwatch_input_invalid_values_total', '',
    [...ID, Label.feature, Label.kind], 'Feature values that are missing, NaN or infinite.'),
  outOfRange: metric('sidecar', 'counter', 'modelwatch_input_out_of_range_total', '',
    [...ID, Label.feature, Label.side], 'Feature values below the baseline minimum or above its maximum.'),
  categories: metric('sidecar', 'counter', 'modelwatch_input_category_total', '',
    [...ID, Label.feature, Label.category],
    'Categorical feature values; categories outside the baseline table are counted as __other__.'),
  rows: metric('sidecar', 'counter', 'modelwatch_input_rows_total', '',
    [...ID], 'Input rows (instances) received; the denominator of per-row ratios.'),
  batchSize: metric('sidecar', 'histogram', 'modelwatch_input_batch_rows', '',
    [...ID], 'Rows per inference request.'),
  ignoredFeatures: metric('sidecar', 'counter', 'modelwatch_input_ignored_features_total', '',
    [...ID], 'Feature columns not monitored because max monitored features was reached (names never become labels).'),
} as const;

/** Sidecar: what comes out of the model. */
export const SidecarOutput = {
  predictions: metric('sidecar', 'counter', 'modelwatch_predictions_total', '',
    [...ID, Label.output], 'Predictions produced (one per row and output).'),
  predictionValue: metric('sidecar', 'histogram', 'modelwatch_output_prediction_value', '',
    [...ID, Label.output], 'Regression outputs; bucket bounds are the baseline bin edges of the output.'),
  classes: metric('sidecar', 'counter', 'modelwatch_output_class_total', '',
    [...ID, Label.output, Label.class], 'Predicted classes; classes outside the baseline table are counted as __other__.'),
  confidence: metric('sidecar', 'histogram', 'modelwatch_output_confidence', 'ratio',
    [...ID, Label.output], 'Confidence of each prediction (highest class probability), 0 to 1.'),
  lowConfidence: metric('sidecar', 'counter', 'modelwatch_output_low_confidence_total', '',
    [...ID, Label.output], 'Predictions whose confidence is under the configured threshold.'),
  empty: metric('sidecar', 'counter', 'modelwatch_output_empty_total', '',
    [...ID, Label.output], 'Outputs that are null, empty or missing from the model response.'),
} as const;

/**
 * Collector: drift results and its own health. Drift series without `variant` judge all the traffic
 * of a model; when a model's windows hold several variants, each variant also gets its own series
 * (`variant` set), so a drifted canary shows as the canary.
 */
export const CollectorDrift = {
  score: metric('collector', 'gauge', 'modelwatch_drift_score', '',
    [Label.model, Label.feature, Label.kind, Label.method, Label.window, Label.variant],
    'Drift score of one feature (or output, or missing rate) between the active baseline and a live window.'),
  threshold: metric('collector', 'gauge', 'modelwatch_drift_threshold', '',
    [Label.model, Label.feature, Label.kind, Label.method, Label.window, Label.variant],
    'Threshold applied to the drift score (see the method for its direction).'),
  detected: metric('collector', 'gauge', 'modelwatch_drift_detected', '',
    [Label.model, Label.feature, Label.kind, Label.method, Label.window, Label.variant],
    '1 when the feature drifted in the window, 0 when not; absent when the window is too small for a verdict.'),
  pValue: metric('collector', 'gauge', 'modelwatch_drift_p_value', 'ratio',
    [Label.model, Label.feature, Label.kind, Label.method, Label.window, Label.variant],
    'p-value of the drift test, for methods that have one (KS, chi-square).'),
  windowSamples: metric('collector', 'gauge', 'modelwatch_drift_window_samples', '',
    [Label.model, Label.feature, Label.kind, Label.window, Label.variant], 'Samples in the live window for this feature.'),
  driftedShare: metric('collector', 'gauge', 'modelwatch_drift_drifted_features_ratio', 'ratio',
    [Label.model, Label.window, Label.variant], 'Share of input features that drifted in the window.'),
  datasetDrift: metric('collector', 'gauge', 'modelwatch_drift_dataset_detected', '',
    [Label.model, Label.window, Label.variant], '1 when the share of drifted features reaches the dataset threshold.'),
  baselineInfo: metric('collector', 'gauge', 'modelwatch_baseline_info', '',
    [Label.model, Label.baselineVersion], 'Always 1; the active baseline version of each model.'),
  baselineCreated: metric('collector', 'gauge', 'modelwatch_baseline_created_timestamp_seconds', 'seconds',
    [Label.model, Label.baselineVersion], 'When the active baseline was created (Unix time).'),
  baselineRows: metric('collector', 'gauge', 'modelwatch_baseline_rows', '',
    [Label.model, Label.baselineVersion], 'Rows profiled in the active baseline.'),
  evaluations: metric('collector', 'counter', 'modelwatch_drift_evaluations_total', '',
    [Label.model, Label.source], 'Drift evaluations run.'),
  evaluationErrors: metric('collector', 'counter', 'modelwatch_drift_evaluation_errors_total', '',
    [Label.model, Label.reason], 'Drift evaluations that failed, by reason.'),
  evaluationDuration: metric('collector', 'histogram', 'modelwatch_drift_evaluation_duration_seconds', 'seconds',
    [Label.model], 'Time to fetch a live window and evaluate drift for one model.'),
  lastEvaluation: metric('collector', 'gauge', 'modelwatch_drift_last_evaluation_timestamp_seconds', 'seconds',
    [Label.model, Label.window], 'When drift was last evaluated successfully (Unix time).'),
  pushedWindows: metric('collector', 'counter', 'modelwatch_pushed_windows_total', '',
    [Label.model, Label.outcome], 'Window counts pushed by sidecars, by outcome (accepted, duplicate, rejected).'),
} as const;

/** Sidecar: variant routing, shadow comparison and rollout control (rollouts). */
export const SidecarRollout = {
  trafficWeight: metric('sidecar', 'gauge', 'modelwatch_rollout_traffic_weight', 'ratio',
    [...ID, Label.role],
    'Share of client traffic routed to the variant (shadow: share of requests copied to it), 0 to 1; one series per variant with its current role.'),
  shadowRequests: metric('sidecar', 'counter', 'modelwatch_shadow_requests_total', '',
    [...ID, Label.outcome],
    'Copies of requests sent to a shadow variant, by outcome: completed, failed, timeout, dropped (in-flight limit reached; the primary is never delayed).'),
  shadowInFlight: metric('sidecar', 'gauge', 'modelwatch_shadow_in_flight', '',
    [...ID], 'Shadow calls currently running (bounded by the shadow in-flight limit).'),
  comparisons: metric('sidecar', 'counter', 'modelwatch_variant_comparisons_total', '',
    [...ID, Label.referenceVariant, Label.output, Label.result],
    'Rows whose candidate output was compared with the reference variant\'s output for the same request: agree/disagree on the top class, or incomparable (regression outputs are in modelwatch_variant_difference).'),
  difference: metric('sidecar', 'histogram', 'modelwatch_variant_difference', '',
    [...ID, Label.referenceVariant, Label.output, Label.kind],
    'Regression outputs: absolute and relative (|a-b| / max(|b|, 1e-9)) difference between the candidate and the reference variant, per row.'),
  events: metric('sidecar', 'counter', 'modelwatch_rollout_events_total', '',
    [...ID, Label.action, Label.trigger],
    'Routing changes (set, switch, step, promote, rollback, automation), manual (admin API) or automatic (canary analysis); the variant is the one changed.'),
  lastEvent: metric('sidecar', 'gauge', 'modelwatch_rollout_last_event_timestamp_seconds', 'seconds',
    [...ID], 'When the routing last changed (Unix time); with a canary weight between 0 and 1 this shows a stuck rollout.'),
  analysisChecks: metric('sidecar', 'counter', 'modelwatch_rollout_analysis_checks_total', '',
    [...ID, Label.check, Label.result],
    'Canary analysis checks of the candidate against the primary, by check and result (pass, fail, insufficient: too few requests).'),
  analysisFailures: metric('sidecar', 'gauge', 'modelwatch_rollout_analysis_failures', '',
    [...ID], 'Failed analysis intervals counted toward the failure threshold of the current canary step.'),
  automationLevel: metric('sidecar', 'gauge', 'modelwatch_automation_level', '',
    [...ID, Label.level], '1 for the configured degree of automation of the model (human, shadow, assistance, partial, full), 0 for the others.'),
} as const satisfies Record<string, MetricDescriptor>;

/** Sidecar: prediction ids and the prediction log shipped to the collector (ground truth). */
export const SidecarPredictionLog = {
  records: metric('sidecar', 'counter', 'modelwatch_prediction_log_records_total', '',
    [...ID, Label.outcome],
    'Prediction records of the sampled share, by outcome: buffered (written to the disk buffer after the privacy rules), sent (acknowledged by the collector), rejected (refused by the collector as invalid).'),
  dropped: metric('sidecar', 'counter', 'modelwatch_prediction_log_dropped_total', '',
    [...ID, Label.reason],
    'Prediction records lost before reaching the collector, by reason: queue_full (in-memory queue at its bound), buffer_full (disk buffer at its bound, oldest batches first), build_failed.'),
  bufferedBatches: metric('sidecar', 'gauge', 'modelwatch_prediction_log_buffered_batches', '',
    [...ID], 'Record batches waiting in the disk buffer for the collector.'),
} as const satisfies Record<string, MetricDescriptor>;

/** Sidecar: tap mode (copies of calls from KServe's payload logger or nginx) and worker processes (data path). */
export const SidecarTap = {
  tapEvents: metric('sidecar', 'counter', 'modelwatch_tap_events_total', '',
    [...ID, Label.outcome],
    'Copies of calls received in tap mode, by outcome: paired (request and response monitored), duplicate (same id and type seen again, ignored), timed_out (one half never came), overflow (pending table full, oldest dropped), invalid (not a tap event), ignored (not an inference call).'),
  tapPending: metric('sidecar', 'gauge', 'modelwatch_tap_pending', '',
    [...ID], 'Tap events waiting for their other half (request or response).'),
  workers: metric('sidecar', 'gauge', 'modelwatch_workers', '',
    [...ID], 'Worker processes whose metrics this scrape aggregates (1 without --workers).'),
} as const satisfies Record<string, MetricDescriptor>;

/** Collector: labels, user signals, realized performance and concept drift (ground truth). */
export const CollectorPerformance = {
  predictionRecords: metric('collector', 'counter', 'modelwatch_prediction_records_total', '',
    [Label.model, Label.outcome],
    'Prediction records shipped by sidecars, by outcome: accepted, duplicate (already stored: a retried batch), rejected (invalid batch).'),
  feedback: metric('collector', 'counter', 'modelwatch_feedback_total', '',
    [Label.model, Label.kind, Label.outcome],
    'Feedback items (kind label or event) by outcome: accepted, pending (label held until its prediction record arrives), duplicate, unknown_id (no such prediction), late (prediction already past retention), unknown_event (event name not configured).'),
  pendingLabels: metric('collector', 'counter', 'modelwatch_feedback_pending_labels_total', '',
    [Label.model, Label.outcome],
    'Labels held because their prediction record had not arrived, by what became of them: joined (the record arrived within the grace period), expired (it did not), dropped (the model already held its maximum of pending labels; answered unknown_id).'),
  recordsDeleted: metric('collector', 'counter', 'modelwatch_prediction_records_deleted_total', '',
    [Label.reason], 'Stored prediction records deleted, by reason: retention (older than the retention period) or subject (erasure on request).'),
  realized: metric('collector', 'gauge', 'modelwatch_performance_realized', '',
    [Label.model, Label.variant, Label.window, Label.metric],
    'Realized performance of the predictions made in the window that have a label: accuracy, macro_f1, ece (classification); mae, rmse, bias (regression).'),
  reference: metric('collector', 'gauge', 'modelwatch_performance_reference', '',
    [Label.model, Label.metric],
    'Reference performance from the active baseline (hold-out figures recorded by `baseline create --label`).'),
  classPrecision: metric('collector', 'gauge', 'modelwatch_performance_class_precision_ratio', 'ratio',
    [Label.model, Label.variant, Label.window, Label.class],
    'Precision per class in the window (classes from the baseline table, others as __other__); absent for a class never predicted.'),
  classRecall: metric('collector', 'gauge', 'modelwatch_performance_class_recall_ratio', 'ratio',
    [Label.model, Label.variant, Label.window, Label.class],
    'Recall per class in the window; absent for a class that never occurred.'),
  labelled: metric('collector', 'gauge', 'modelwatch_performance_labelled_predictions', '',
    [Label.model, Label.variant, Label.window], 'Predictions made in the window that have a label (the sample realized performance rests on).'),
  predictionsInWindow: metric('collector', 'gauge', 'modelwatch_performance_window_predictions', '',
    [Label.model, Label.variant, Label.window], 'Prediction records made in the window (the denominator of coverage and event rates).'),
  labelCoverage: metric('collector', 'gauge', 'modelwatch_label_coverage_ratio', 'ratio',
    [Label.model, Label.variant, Label.window], 'Share of the window\'s prediction records that have a label.'),
  labelDelay: metric('collector', 'gauge', 'modelwatch_label_delay_seconds', 'seconds',
    [Label.model, Label.variant, Label.window], 'Median time from prediction to label of the window\'s labelled predictions.'),
  eventRate: metric('collector', 'gauge', 'modelwatch_feedback_event_rate_ratio', 'ratio',
    [Label.model, Label.variant, Label.window, Label.event], 'Share of the window\'s predictions with at least one user signal of that name (e.g. click-through rate).'),
  conceptDrifts: metric('collector', 'counter', 'modelwatch_concept_drift_detections_total', '',
    [Label.model, Label.variant, Label.detector], 'Concept drifts detected on the stream of per-prediction errors, in label arrival order.'),
  conceptDriftLast: metric('collector', 'gauge', 'modelwatch_concept_drift_last_detection_timestamp_seconds', 'seconds',
    [Label.model, Label.variant, Label.detector], 'When the detector last detected a concept drift (Unix time); survives restarts through the stored detector state.'),
  conceptWarning: metric('collector', 'gauge', 'modelwatch_concept_drift_warning', '',
    [Label.model, Label.variant, Label.detector], '1 while a detector with a warning zone (DDM) is in it, else 0.'),
  conceptLabels: metric('collector', 'counter', 'modelwatch_concept_drift_labels_total', '',
    [Label.model, Label.variant], 'Labelled predictions fed to the concept-drift detectors.'),
  performanceEvaluations: metric('collector', 'counter', 'modelwatch_performance_evaluations_total', '',
    [Label.model, Label.outcome], 'Realized-performance and detector rounds per model, by outcome (success, error).'),
} as const satisfies Record<string, MetricDescriptor>;

/** Collector: review queue, human-vs-model agreement, retraining triggers (humans in the loop). */
export const CollectorReview = {
  sidecarMarked: metric('sidecar', 'counter', 'modelwatch_review_marked_total', '',
    [...ID], 'Answer rows the sidecar marked for review (x-modelwatch-review: required): confidence below the threshold or an input outside the training range. Divide by the rows answered for the share sent to humans.'),
  sidecarShipped: metric('sidecar', 'counter', 'modelwatch_review_records_total', '',
    [...ID, Label.outcome], 'Marked answer records on their way to the collector\'s review queue, by outcome: buffered (on disk), sent, rejected (refused as invalid), dropped (queue or buffer full, or unbuildable).'),
  reviewItems: metric('collector', 'counter', 'modelwatch_review_items_total', '',
    [Label.model, Label.reason, Label.outcome],
    'Answers sent to the review queue, by reason (confidence, out_of_range, drifted_feature, manual, shadow_mode: every answer of a model at automation level shadow) and outcome: queued, duplicate (already queued), refused (queue full, refuse-new), dropped (queued, then dropped as the oldest of a full queue).'),
  queueDepth: metric('collector', 'gauge', 'modelwatch_review_queue_depth', '',
    [Label.model], 'Review items waiting for a decision (claimed or not).'),
  oldestAge: metric('collector', 'gauge', 'modelwatch_review_oldest_item_age_seconds', 'seconds',
    [Label.model], 'Age of the oldest undecided review item; 0 when the queue is empty.'),
  decisions: metric('collector', 'counter', 'modelwatch_review_decisions_total', '',
    [Label.model, Label.band, Label.outcome],
    'Human decisions on review items by the confidence band of the model\'s answer and outcome: agree or disagree with the model (the shadow-mode comparison), or value (a regression target, no agreement).'),
  decisionLatency: metric('collector', 'histogram', 'modelwatch_review_decision_latency_seconds', 'seconds',
    [Label.model], 'Time from an item entering the queue to its decision.'),
  activeReviewers: metric('collector', 'gauge', 'modelwatch_review_active_reviewers', '',
    [Label.model], 'Distinct reviewers who decided an item of the model in the last 15 minutes (decisions rate / this = throughput per reviewer).'),
  automationShare: metric('collector', 'gauge', 'modelwatch_automation_share_ratio', 'ratio',
    [Label.model, Label.threshold], 'Share of labelled predictions (automation-report period) whose confidence is at or above the threshold: what would be automated.'),
  automationAccuracy: metric('collector', 'gauge', 'modelwatch_automation_accuracy_ratio', 'ratio',
    [Label.model, Label.threshold], 'Accuracy of the labelled predictions at or above the confidence threshold (automation-report period).'),
  retrainingTriggers: metric('collector', 'counter', 'modelwatch_retraining_triggers_total', '',
    [Label.model, Label.reason, Label.outcome],
    'Retraining episodes by reason (performance, concept_drift, dataset_drift, manual) and webhook outcome: delivered, failed (all retries failed), suppressed (within the cool-down).'),
  retrainingLastTrigger: metric('collector', 'gauge', 'modelwatch_retraining_last_trigger_timestamp_seconds', 'seconds',
    [Label.model], 'Unix time of the model\'s last retraining trigger (0 = never).'),
} as const satisfies Record<string, MetricDescriptor>;

/** Collector: its own serving, auth and evaluation health (reliability, scale). */
export const CollectorHealth = {
  roundDuration: metric('collector', 'histogram', 'modelwatch_collector_round_duration_seconds', 'seconds',
    [], 'Time of one evaluation round over every model this collector holds (models run concurrently up to --model-concurrency).'),
  roundModels: metric('collector', 'counter', 'modelwatch_collector_round_models_total', '',
    [Label.outcome], 'Models per round, by outcome: evaluated, or skipped because the round ran out of its budget (--round-budget).'),
  windowQueries: metric('collector', 'counter', 'modelwatch_collector_window_queries_total', '',
    [Label.outcome], 'Window queries to the Prometheus-API engine, by outcome (ok, timeout, too_large, unreachable, error, cancelled; split counts a too-large query halved and retried).'),
  leasedModels: metric('collector', 'gauge', 'modelwatch_collector_leased_models', '',
    [], 'Models this collector holds the lease of and evaluates (all active models on SQLite, its share on a PostgreSQL shared by several collectors).'),
  liveCollectors: metric('collector', 'gauge', 'modelwatch_collector_live_collectors', '',
    [], 'Collectors sharing the database that renewed their membership within the lease TTL (1 on SQLite).'),
  internalErrors: metric('collector', 'counter', 'modelwatch_collector_internal_errors_total', '',
    [], 'Requests answered 500 (internal error); each is logged once with the correlation id returned to the client.'),
  authFailures: metric('collector', 'counter', 'modelwatch_collector_auth_failures_total', '',
    [Label.reason], 'Requests refused by token or client-certificate checks, by reason (missing_token, invalid_token, forbidden, client_certificate).'),
  tlsReloads: metric('collector', 'counter', 'modelwatch_collector_tls_certificate_reloads_total', '',
    [Label.outcome], 'Certificate reloads on SIGHUP, by outcome (success, failure: the previous certificate stays in use).'),
} as const satisfies Record<string, MetricDescriptor>;

export const ALL_METRICS: readonly MetricDescriptor[] = [
  ...Object.values<MetricDescriptor>(SidecarSoftware),
  ...Object.values<MetricDescriptor>(SidecarInput),
  ...Object.values<MetricDescriptor>(SidecarOutput),
  ...Object.values<MetricDescriptor>(CollectorDrift),
  ...Object.values<MetricDescriptor>(SidecarRollout),
  ...Object.values<MetricDescriptor>(SidecarPredictionLog),
  ...Object.values<MetricDescriptor>(SidecarTap),
  ...Object.values<MetricDescriptor>(CollectorPerformance),
  ...Object.values<MetricDescriptor>(CollectorReview),
  ...Object.values<MetricDescriptor>(CollectorHealth),
];

/**
 * Names that appear in PromQL for a metric: histograms expose _bucket/_sum/_count series.
 * Used by the dashboard/rule contract tests.
 */
export function seriesNames(m: MetricDescriptor): string[] {
  return m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name];
}

/** Every series name the contract allows in a query (plus process/nodejs defaults, matched by prefix elsewhere). */
export const CONTRACT_SERIES_NAMES: ReadonlySet<string> = new Set(ALL_METRICS.flatMap(seriesNames));

/** Default process metrics (prom-client collectDefaultMetrics) allowed in queries. */
export const DEFAULT_METRIC_PREFIXES = ['process_', 'nodejs_'] as const;

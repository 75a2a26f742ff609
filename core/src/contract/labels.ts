/**
 * Label keys used by every modelwatch metric. Values of these labels are always bounded:
 * they come from configuration (model, pipeline, stage, variant), from the baseline
 * (feature, category, class) or from the closed enums below. No request-derived value
 * ever becomes a label.
 */
export const Label = {
  model: 'model',
  modelVersion: 'model_version',
  pipeline: 'pipeline',
  stage: 'stage',
  variant: 'variant',
  /** Comma-separated stage names feeding this stage (topology info metric only). */
  upstreamStages: 'upstream_stages',
  /** How the sidecar reaches the model: `embedded` (ONNX in-process) or a proxy protocol. */
  mode: 'mode',
  feature: 'feature',
  output: 'output',
  category: 'category',
  class: 'class',
  outcome: 'outcome',
  reason: 'reason',
  statusClass: 'status_class',
  kind: 'kind',
  side: 'side',
  baselineVersion: 'baseline_version',
  method: 'method',
  window: 'window',
  source: 'source',
  /** Confidence band of a prediction (`ConfidenceBand`: fixed edges, never request-derived). */
  band: 'band',
  /** Automation threshold of the automation report (`AUTOMATION_THRESHOLDS`). */
  threshold: 'threshold',
  /** Realized-performance measure: a closed set (PerformanceMeasure). */
  metric: 'metric',
  /** User-signal name: from the collector's configured set only. */
  event: 'event',
  /** Concept-drift detector: ddm, adwin, page_hinkley. */
  detector: 'detector',
  /** Rollouts: the variant a candidate's outputs are compared with (from configuration). */
  referenceVariant: 'reference_variant',
  /** Rollouts: what a variant does in the routing (closed set VariantRole). */
  role: 'role',
  /** Rollouts: a routing change (closed set RolloutAction). */
  action: 'action',
  /** Rollouts: who made a change, `manual` (admin API) or `automatic` (canary analysis). */
  trigger: 'trigger',
  /** Rollouts: one canary analysis check (closed set AnalysisCheck). */
  check: 'check',
  /** Rollouts: the verdict of a comparison or check (closed sets). */
  result: 'result',
  /** Degree of automation of a model (closed set AutomationLevel). */
  level: 'level',
} as const;

export type LabelKey = (typeof Label)[keyof typeof Label];

/** Labels that identify one model instance; every sidecar series carries them. */
export const MODEL_IDENTITY_LABELS = [
  Label.model,
  Label.modelVersion,
  Label.pipeline,
  Label.stage,
  Label.variant,
] as const;

/** Category/class value that collects everything not in the baseline's table. */
export const OTHER_CATEGORY = '__other__';

/** Request outcomes (`outcome` label of requests_total). */
export const Outcome = {
  success: 'success',
  clientError: 'client_error',
  upstreamError: 'upstream_error',
  internalError: 'internal_error',
} as const;
export type OutcomeValue = (typeof Outcome)[keyof typeof Outcome];

/** Outcomes of tap-mode events (`outcome` label of tap_events_total). */
export const TapOutcome = {
  paired: 'paired',
  duplicate: 'duplicate',
  timedOut: 'timed_out',
  overflow: 'overflow',
  invalid: 'invalid',
  ignored: 'ignored',
} as const;
export type TapOutcomeValue = (typeof TapOutcome)[keyof typeof TapOutcome];

/** Why spans did not reach the OTLP endpoint (`reason` label of trace_spans_dropped_total). */
export const TraceDropReason = {
  /** The bounded export queue was full: the endpoint is slower than the traffic (or down). */
  queueFull: 'queue_full',
  /** The endpoint did not take the batch (refused, unreachable, timed out). */
  exportFailed: 'export_failed',
} as const;
export type TraceDropReasonValue = (typeof TraceDropReason)[keyof typeof TraceDropReason];

/** Reasons a request is rejected or fails (`reason` label of request_errors_total). */
export const ErrorReason = {
  malformedJson: 'malformed_json',
  wrongShape: 'wrong_shape',
  wrongDatatype: 'wrong_datatype',
  nonFinite: 'non_finite',
  bodyTooLarge: 'body_too_large',
  unknownModel: 'unknown_model',
  unknownRoute: 'unknown_route',
  upstreamRefused: 'upstream_refused',
  upstreamTimeout: 'upstream_timeout',
  upstreamStatus: 'upstream_status',
  inferenceFailed: 'inference_failed',
  internal: 'internal',
  /** Answered 503 with Retry-After: the in-flight cap was reached. */
  overloaded: 'overloaded',
  /** Answered 408: headers or body did not arrive within the configured timeout. */
  requestTimeout: 'request_timeout',
  /** The request names a model other than the one this sidecar serves. */
  wrongModel: 'wrong_model',
  /** The same input name appears twice in one request. */
  duplicateInput: 'duplicate_input',
} as const;
export type ErrorReasonValue = (typeof ErrorReason)[keyof typeof ErrorReason];

/** `kind` label of input_invalid_values_total. */
export const InvalidValueKind = { missing: 'missing', nan: 'nan', inf: 'inf' } as const;
/** `side` label of input_out_of_range_total. */
export const RangeSide = { below: 'below', above: 'above' } as const;
/** `kind` label of drift metrics: what distribution was compared. */
export const DriftKind = {
  input: 'input',
  missingRate: 'missing_rate',
  output: 'output',
} as const;
/** `source` label: where the collector got a live window from. */
export const WindowSourceKind = { prometheus: 'prometheus', push: 'push' } as const;

/** `metric` label of realized-performance series. */
export const PerformanceMeasure = {
  accuracy: 'accuracy',
  macroF1: 'macro_f1',
  ece: 'ece',
  mae: 'mae',
  rmse: 'rmse',
  bias: 'bias',
} as const;
export type PerformanceMeasureValue = (typeof PerformanceMeasure)[keyof typeof PerformanceMeasure];
/** `outcome` of collector_round_models_total. */
export const RoundModelOutcome = { evaluated: 'evaluated', overBudget: 'over_budget' } as const;
/** `outcome` of collector_window_queries_total. */
export const WindowQueryOutcome = {
  ok: 'ok',
  timeout: 'timeout',
  tooLarge: 'too_large',
  unreachable: 'unreachable',
  error: 'error',
  cancelled: 'cancelled',
  split: 'split',
} as const;
export type WindowQueryOutcomeValue = (typeof WindowQueryOutcome)[keyof typeof WindowQueryOutcome];

/**
 * `band` label: confidence bands of human-vs-model agreement. Fixed edges so the series are
 * bounded and comparable across models; a confidence c falls in the band whose lower edge is the
 * largest edge <= c.
 */
export const CONFIDENCE_BAND_EDGES = [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95] as const;

/** The `band` label value of a confidence (`0.9-0.95`, `0.95-1`); `unknown` when the answer had none. */
export function confidenceBand(confidence: number | undefined): string {
  if (confidence === undefined || !Number.isFinite(confidence)) return 'unknown';
  const edges = CONFIDENCE_BAND_EDGES;
  let i = edges.length - 1;
  while (i > 0 && confidence < edges[i]) i--;
  return `${edges[i]}-${i + 1 < edges.length ? edges[i + 1] : 1}`;
}

/** `reason` label of review items: why an answer was sent to a human. */
export const ReviewReason = { confidence: 'confidence', outOfRange: 'out_of_range', drifted: 'drifted_feature', manual: 'manual', shadow: 'shadow_mode' } as const;
export type ReviewReasonValue = (typeof ReviewReason)[keyof typeof ReviewReason];
export const REVIEW_REASONS: readonly ReviewReasonValue[] = Object.values(ReviewReason);

/** `reason` label of retraining triggers. */
export const RetrainingReason = {
  performance: 'performance',
  conceptDrift: 'concept_drift',
  datasetDrift: 'dataset_drift',
  manual: 'manual',
} as const;
export type RetrainingReasonValue = (typeof RetrainingReason)[keyof typeof RetrainingReason];
/** `role` label: what a variant does in the routing. */
export const VariantRole = { primary: 'primary', canary: 'canary', shadow: 'shadow', standby: 'standby' } as const;
export type VariantRoleValue = (typeof VariantRole)[keyof typeof VariantRole];
/** `action` label: kinds of routing change (rollout events). */
export const RolloutAction = {
  set: 'set',
  promote: 'promote',
  rollback: 'rollback',
  step: 'step',
  switch: 'switch',
  automation: 'automation',
} as const;
export type RolloutActionValue = (typeof RolloutAction)[keyof typeof RolloutAction];
/** `trigger` label of rollout events. */
export const RolloutTrigger = { manual: 'manual', automatic: 'automatic' } as const;
export type RolloutTriggerValue = (typeof RolloutTrigger)[keyof typeof RolloutTrigger];
/** `check` label: the canary analysis checks, candidate vs primary. */
export const AnalysisCheck = {
  errorRatio: 'error_ratio',
  latencyP99: 'latency_p99',
  disagreement: 'disagreement',
  drift: 'drift',
  lowConfidence: 'low_confidence',
} as const;
export type AnalysisCheckValue = (typeof AnalysisCheck)[keyof typeof AnalysisCheck];
/** `result` label of analysis checks. */
export const CheckResult = { pass: 'pass', fail: 'fail', insufficient: 'insufficient' } as const;
export type CheckResultValue = (typeof CheckResult)[keyof typeof CheckResult];
/** `result` label of shadow comparisons: classification agreement, or not comparable. */
export const ComparisonResult = { agree: 'agree', disagree: 'disagree', incomparable: 'incomparable' } as const;
export type ComparisonResultValue = (typeof ComparisonResult)[keyof typeof ComparisonResult];
/** `outcome` label of shadow calls. */
export const ShadowOutcome = { completed: 'completed', failed: 'failed', timeout: 'timeout', dropped: 'dropped' } as const;
export type ShadowOutcomeValue = (typeof ShadowOutcome)[keyof typeof ShadowOutcome];
/** `kind` label of the shadow difference histogram (regression outputs). */
export const DifferenceKind = { absolute: 'absolute', relative: 'relative' } as const;
/**
 * `level` label: degrees of automation (the course notes' scale). `human`: the model is not called;
 * `shadow`: the model runs but its answer is not returned; `assistance`, `partial`, `full`: the
 * answer is returned (what partial automation does with low-confidence answers is the review queue's).
 */
export const AutomationLevel = {
  human: 'human',
  shadow: 'shadow',
  assistance: 'assistance',
  partial: 'partial',
  full: 'full',
} as const;
export type AutomationLevelValue = (typeof AutomationLevel)[keyof typeof AutomationLevel];

/**
 * The query set the panel reads: one PromQL query per signal, told apart by refId. The Pipeline
 * dashboard (dashboards/pipeline.json) uses exactly these; a test checks both against the metric
 * contract in core. All are instant queries (the panel shows the current state of each stage).
 *
 * `$pipeline` is the dashboard's pipeline variable (regex, `.*` for All).
 */
export const RefId = {
  topology: 'topology',
  requests: 'requests',
  errors: 'errors',
  p99: 'p99',
  empty: 'empty',
  lowConfidence: 'lowconf',
  drift: 'drift',
  driftDetected: 'drift_detected',
  up: 'up',
  variants: 'variants',
  variantErrors: 'variant_errors',
  performance: 'performance',
} as const;
export type RefIdValue = (typeof RefId)[keyof typeof RefId];

const sel = 'pipeline=~"$pipeline"';
const byStage = 'sum by (pipeline, stage)';
const rate = (metric: string, extra = '') =>
  `rate(${metric}{${sel}${extra ? `, ${extra}` : ''}}[$__rate_interval])`;

export const PANEL_QUERIES: Readonly<Record<RefIdValue, string>> = {
  // last_over_time keeps a stage drawn (and marked down) for an hour after its sidecar stops being scraped.
  topology: `max by (pipeline, stage, model, upstream_stages, job, instance) (last_over_time(modelwatch_model_info{${sel}}[1h]))`,
  requests: `${byStage} (${rate('modelwatch_requests_total')})`,
  // Client errors (4xx, outcome client_error) are the caller's fault and do not count against a stage.
  errors: `${byStage} (${rate('modelwatch_requests_total', 'outcome=~"upstream_error|internal_error"')}) / ${byStage} (${rate('modelwatch_requests_total')})`,
  p99: `histogram_quantile(0.99, sum by (pipeline, stage, le) (${rate('modelwatch_request_duration_seconds_bucket')}))`,
  // Empty outputs over all outputs (empty ones are not counted as predictions), so the ratio stays in [0, 1].
  empty: `${byStage} (${rate('modelwatch_output_empty_total')}) / (${byStage} (${rate('modelwatch_output_empty_total')}) + ${byStage} (${rate('modelwatch_predictions_total')}))`,
  lowconf: `${byStage} (${rate('modelwatch_output_low_confidence_total')}) / ${byStage} (${rate('modelwatch_predictions_total')})`,
  // Drift is computed per model by the collector; the panel maps models to stages through the topology.
  drift: 'max by (model) (modelwatch_drift_drifted_features_ratio)',
  drift_detected: 'max by (model) (modelwatch_drift_dataset_detected)',
  // Only the targets that export modelwatch topology; the panel joins them to stages on (job, instance).
  up: `up and on (job, instance) last_over_time(modelwatch_model_info{${sel}}[1h])`,
  // Rollouts: each variant's role and share, and its own failure ratio (a canary failing on its 5% of
  // traffic must not be diluted into the stage's total).
  variants: `max by (pipeline, stage, variant, role) (modelwatch_rollout_traffic_weight{${sel}})`,
  // `or … * 0`: a variant that never failed has no failure series; its ratio is 0, not missing.
  variant_errors: `(sum by (pipeline, stage, variant) (${rate('modelwatch_requests_total', 'outcome=~"upstream_error|internal_error"')}) or sum by (pipeline, stage, variant) (${rate('modelwatch_requests_total')}) * 0) / sum by (pipeline, stage, variant) (${rate('modelwatch_requests_total')})`,
  // Realized accuracy over the day (labels arrive late) as a share of the baseline's hold-out accuracy, worst variant.
  performance: 'min by (model) (modelwatch_performance_realized{metric="accuracy",window="1d"} / on (model) group_left () max by (model) (modelwatch_performance_reference{metric="accuracy"}))',
};

export const ALL_REF_IDS: readonly RefIdValue[] = Object.values(RefId);

/** Queries a stage may legitimately lack: sidecars from before rollouts export no routing series; no ground truth yet. */
export const OPTIONAL_REF_IDS: ReadonlySet<RefIdValue> = new Set([RefId.variants, RefId.variantErrors, RefId.performance]);

import { config } from '../config.js';
import { alert, type RuleGroup } from '../rule.js';

const c = config.rollouts;
const FAILED = 'outcome=~"upstream_error|internal_error"';
const V = 'model, stage, variant';

export const ERRORS = 'model_stage_variant:modelwatch_request_failures:ratio_rate5m';
export const P99 = 'model_stage_variant:modelwatch_request_duration_seconds:p99_rate5m';
export const DISAGREEMENT = 'model_stage_variant:modelwatch_variant_disagreement:ratio_rate5m';
export const STAGE_VARIANT_FAILURES = 'pipeline_stage_variant:modelwatch_request_failures:ratio_rate5m';

/** `metric` of the variants that currently hold `role` (a canary with a share, the primary, a shadow). */
function ofRole(metric: string, role: 'primary' | 'canary' | 'shadow'): string {
  return `(${metric} and on (${V}) (modelwatch_rollout_traffic_weight{role="${role}"} > 0))`;
}

/** The primary's value of `metric`, one per model and stage, to compare a canary with. */
function primaryOf(metric: string): string {
  return `on (model, stage) group_left () max by (model, stage) ${ofRole(metric, 'primary')}`;
}

export const rolloutRecording: RuleGroup = {
  name: 'modelwatch-rollouts.rules',
  rules: [
    {
      // Per variant: a canary failing on 5% of traffic is not diluted into its primary's numbers.
      record: ERRORS,
      // `or … * 0`: a variant without a single failure has no failure series, and its ratio must be 0,
      // not absent (an absent primary ratio would silence every comparison with it).
      expr:
        `(sum by (${V}) (rate(modelwatch_requests_total{${FAILED}}[5m])) or sum by (${V}) (rate(modelwatch_requests_total[5m])) * 0)` +
        ` / sum by (${V}) (rate(modelwatch_requests_total[5m]))`,
    },
    {
      record: P99,
      expr: `histogram_quantile(0.99, sum by (${V}, le) (rate(modelwatch_request_duration_seconds_bucket[5m])))`,
    },
    {
      record: DISAGREEMENT,
      expr:
        `sum by (${V}, reference_variant) (rate(modelwatch_variant_comparisons_total{result="disagree"}[5m]))` +
        ` / sum by (${V}, reference_variant) (rate(modelwatch_variant_comparisons_total{result=~"agree|disagree"}[5m]))`,
    },
    {
      // The pipeline panel judges a stage per variant with this (a canary stage shows as such).
      record: STAGE_VARIANT_FAILURES,
      expr:
        '(sum by (pipeline, stage, model, variant) (rate(modelwatch_requests_total{outcome!="success"}[5m]))' +
        ' or sum by (pipeline, stage, model, variant) (rate(modelwatch_requests_total[5m])) * 0)' +
        ' / sum by (pipeline, stage, model, variant) (rate(modelwatch_requests_total[5m]))',
    },
  ],
};

export const rolloutAlerts: RuleGroup = {
  name: 'modelwatch-rollouts.alerts',
  rules: [
    alert({
      name: 'ModelwatchCanaryErrorsAbovePrimary',
      expr: `${ofRole(ERRORS, 'canary')} - ${primaryOf(ERRORS)} > ${c.canaryErrorRatioIncrease}`,
      for: c.canaryErrorsFor,
      severity: 'critical',
      summary: 'A canary fails more requests than its primary.',
      description:
        `{{ $labels.model }} (stage {{ $labels.stage }}): canary {{ $labels.variant }} fails {{ $value | humanizePercentage }} more of its requests than the primary ` +
        `(threshold ${c.canaryErrorRatioIncrease * 100}%). Roll it back: modelwatch rollout rollback.`,
    }),
    alert({
      name: 'ModelwatchCanaryLatencyAbovePrimary',
      expr: `${ofRole(P99, 'canary')} / ${primaryOf(P99)} > ${c.canaryLatencyRatio}`,
      for: c.canaryLatencyFor,
      severity: 'warning',
      summary: 'A canary answers slower than its primary.',
      description:
        `{{ $labels.model }} (stage {{ $labels.stage }}): canary {{ $labels.variant }}'s p99 latency is {{ $value | humanize }} times the primary's (threshold ${c.canaryLatencyRatio}).`,
    }),
    alert({
      name: 'ModelwatchCanaryDisagreesWithPrimary',
      expr: `max without (reference_variant) ${ofRole(DISAGREEMENT, 'canary')} > ${c.canaryDisagreement}`,
      for: c.canaryDisagreementFor,
      severity: 'warning',
      summary: 'A canary predicts a different class than its primary too often.',
      description:
        `{{ $labels.model }} (stage {{ $labels.stage }}): canary {{ $labels.variant }} disagrees with the primary on {{ $value | humanizePercentage }} of compared rows (threshold ${c.canaryDisagreement * 100}%).`,
    }),
    alert({
      name: 'ModelwatchCanaryDrifted',
      expr:
        'max by (model, variant) (modelwatch_drift_dataset_detected) == 1' +
        ' and on (model, variant) max by (model, variant) (modelwatch_rollout_traffic_weight{role="canary"} > 0)',
      for: c.canaryDriftFor,
      severity: 'warning',
      summary: 'The inputs a canary sees have drifted from the baseline.',
      description: '{{ $labels.model }}: the collector reports dataset drift on the traffic of canary {{ $labels.variant }}; its verdicts are not comparable with the primary\'s.',
    }),
    alert({
      name: 'ModelwatchRolloutAutomaticRollback',
      expr: `increase(modelwatch_rollout_events_total{action="rollback",trigger="automatic"}[${c.rollbackWindow}]) > 0`,
      for: '0m',
      severity: 'warning',
      summary: 'The canary analysis rolled a canary back.',
      description:
        `{{ $labels.model }} (stage {{ $labels.stage }}): variant {{ $labels.variant }} was rolled back automatically in the last ${c.rollbackWindow}; ` +
        'the reason is in the rollout events (modelwatch rollout events).',
    }),
    alert({
      name: 'ModelwatchShadowDisagreementHigh',
      expr: `max without (reference_variant) ${ofRole(DISAGREEMENT, 'shadow')} > ${c.shadowDisagreement}`,
      for: c.shadowDisagreementFor,
      severity: 'info',
      summary: 'A shadow model disagrees with the primary often.',
      description:
        `{{ $labels.model }} (stage {{ $labels.stage }}): shadow {{ $labels.variant }} predicts another class than the primary on {{ $value | humanizePercentage }} of rows (threshold ${c.shadowDisagreement * 100}%).`,
    }),
    alert({
      name: 'ModelwatchRolloutStuck',
      expr:
        '(max by (model, stage) (modelwatch_rollout_traffic_weight{role="canary"}) > 0 < 1)' +
        ` and on (model, stage) (time() - max by (model, stage) (modelwatch_rollout_last_event_timestamp_seconds) > ${c.stuckAfterSeconds})`,
      for: c.stuckFor,
      severity: 'warning',
      summary: 'A canary has neither been promoted nor rolled back for a long time.',
      description:
        `{{ $labels.model }} (stage {{ $labels.stage }}): a canary holds {{ $value | humanizePercentage }} of the traffic and the routing has not changed for more than ${c.stuckAfterSeconds / 3600}h.`,
    }),
  ],
};

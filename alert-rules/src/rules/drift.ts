import { config } from '../config.js';
import { alert, type RuleGroup } from '../rule.js';

const c = config.drift;

export const driftRecording: RuleGroup = {
  name: 'modelwatch-drift.rules',
  rules: [
    {
      // The baseline's age: the stale-baseline alert and the Drift dashboard read it.
      record: 'model:modelwatch_baseline_age:seconds',
      expr: 'time() - max by (model) (modelwatch_baseline_created_timestamp_seconds)',
    },
  ],
};

export const driftAlerts: RuleGroup = {
  name: 'modelwatch-drift.alerts',
  rules: [
    alert({
      name: 'ModelwatchFeatureDrift',
      expr: 'modelwatch_drift_detected{kind="input"} == 1',
      for: c.warningFor,
      severity: 'warning',
      summary: 'A feature drifted from its training baseline.',
      description: '{{ $labels.model }}: feature {{ $labels.feature }} drifted from the baseline ({{ $labels.method }} over window {{ $labels.window }}).',
    }),
    alert({
      name: 'ModelwatchFeatureDriftCritical',
      expr: 'modelwatch_drift_detected{kind="input"} == 1',
      for: c.criticalFor,
      severity: 'critical',
      summary: `A feature has drifted for over ${c.criticalFor}.`,
      description: `{{ $labels.model }}: feature {{ $labels.feature }} has drifted from the baseline ({{ $labels.method }}, window {{ $labels.window }}) for over ${c.criticalFor}; the model sees data it was not trained on.`,
    }),
    alert({
      name: 'ModelwatchDatasetDrift',
      expr: 'modelwatch_drift_dataset_detected == 1',
      for: c.datasetFor,
      severity: 'critical',
      summary: 'Enough features drifted to call the whole dataset drifted.',
      description: '{{ $labels.model }}: the share of drifted features reached the dataset-drift threshold over window {{ $labels.window }}.',
    }),
    alert({
      name: 'ModelwatchBaselineMissing',
      expr: 'max by (model) (modelwatch_model_info) unless on (model) max by (model) (modelwatch_baseline_info)',
      for: c.baselineMissingFor,
      severity: 'warning',
      summary: 'A monitored model has no active baseline.',
      description: '{{ $labels.model }} serves traffic but the collector has no active baseline for it: drift cannot be evaluated.',
    }),
    alert({
      name: 'ModelwatchBaselineStale',
      expr: `model:modelwatch_baseline_age:seconds > ${c.baselineMaxAgeSeconds}`,
      for: c.baselineStaleFor,
      severity: 'warning',
      summary: 'The active baseline is old.',
      description: `{{ $labels.model }}: the active baseline was created {{ $value | humanizeDuration }} ago (limit ${c.baselineMaxAgeSeconds / 86400} days); profile recent training data.`,
    }),
    alert({
      name: 'ModelwatchDriftEvaluationFailing',
      expr: 'sum by (model, reason) (rate(modelwatch_drift_evaluation_errors_total[10m])) > 0',
      for: c.evaluationFailingFor,
      severity: 'warning',
      summary: 'The collector fails to evaluate drift.',
      description: '{{ $labels.model }}: drift evaluations keep failing ({{ $labels.reason }}); drift alerts for this model are blind.',
    }),
  ],
};

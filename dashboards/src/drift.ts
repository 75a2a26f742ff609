import { Grid, dashboard } from './grafana.js';

const M = 'model="$model"';

/** Drift: the collector's verdicts per feature, and the live distributions behind them. */
export function driftDashboard() {
  const g = new Grid()
    .row('Dataset')
    .add({
      title: 'Drifted features',
      type: 'stat',
      unit: 'percentunit',
      w: 6,
      thresholds: [{ value: null, color: 'green' }, { value: 0.5, color: 'red' }],
      targets: [{ expr: `max(modelwatch_drift_drifted_features_ratio{${M}})`, instant: true }],
    })
    .add({
      title: 'Dataset drift',
      type: 'stat',
      unit: 'bool_yes_no',
      w: 6,
      thresholds: [{ value: null, color: 'green' }, { value: 1, color: 'red' }],
      targets: [{ expr: `max(modelwatch_drift_dataset_detected{${M}})`, instant: true }],
    })
    .add({ title: 'Baseline age', type: 'stat', unit: 's', w: 6, targets: [{ expr: `model:modelwatch_baseline_age:seconds{${M}}`, instant: true }] })
    .add({ title: 'Baseline rows', type: 'stat', unit: 'short', w: 6, targets: [{ expr: `max(modelwatch_baseline_rows{${M}})`, instant: true }] })
    .add({
      title: 'Drift verdicts by feature',
      type: 'state-timeline',
      unit: 'bool_yes_no',
      w: 24,
      h: 7,
      thresholds: [{ value: null, color: 'green' }, { value: 1, color: 'red' }],
      targets: [{ expr: `max by (feature, kind) (modelwatch_drift_detected{${M}})`, legendFormat: '{{kind}} {{feature}}' }],
    })
    .row('Per feature: live against the baseline')
    .add({
      title: 'Drift score and threshold: $feature',
      description: 'The score of the live window against the active baseline, and the threshold applied (see the method for its direction).',
      unit: 'short',
      repeat: 'feature',
      w: 12,
      targets: [
        { expr: `max by (method) (modelwatch_drift_score{${M},feature="$feature"})`, legendFormat: 'score ({{method}})' },
        { expr: `max by (method) (modelwatch_drift_threshold{${M},feature="$feature"})`, legendFormat: 'threshold ({{method}})' },
      ],
    })
    .add({
      title: 'Live distribution over the time range: $feature',
      description: 'Share of live values per baseline bin (bucket bounds are the baseline bin edges).',
      type: 'bargauge',
      unit: 'percentunit',
      repeat: 'feature',
      w: 12,
      options: { orientation: 'vertical', displayMode: 'basic' },
      targets: [
        {
          expr: `sum by (le) (increase(modelwatch_input_feature_value_bucket{${M},feature="$feature"}[$__range])) / scalar(sum(increase(modelwatch_input_feature_value_count{${M},feature="$feature"}[$__range])))`,
          legendFormat: '{{le}}',
          format: 'heatmap',
          instant: true,
        },
      ],
    })
    .row('Outputs')
    .add({
      title: 'Output drift score',
      unit: 'short',
      w: 12,
      targets: [{ expr: `max by (feature, method) (modelwatch_drift_score{${M},kind="output"})`, legendFormat: '{{feature}} ({{method}})' }],
    })
    .add({
      title: 'Predicted class share',
      unit: 'percentunit',
      w: 12,
      targets: [
        {
          expr: `sum by (class) (rate(modelwatch_output_class_total{${M}}[$__rate_interval])) / scalar(sum(rate(modelwatch_output_class_total{${M}}[$__rate_interval])))`,
          legendFormat: '{{class}}',
        },
      ],
    })
    .row('Collector')
    .add({ title: 'Evaluations', unit: 'ops', targets: [{ expr: `sum by (source) (rate(modelwatch_drift_evaluations_total{${M}}[$__rate_interval]))`, legendFormat: '{{source}}' }] })
    .add({ title: 'Evaluation errors', unit: 'ops', targets: [{ expr: `sum by (reason) (rate(modelwatch_drift_evaluation_errors_total{${M}}[$__rate_interval]))`, legendFormat: '{{reason}}' }] })
    .add({
      title: 'Evaluation duration p95',
      unit: 's',
      targets: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(modelwatch_drift_evaluation_duration_seconds_bucket{${M}}[$__rate_interval])))`, legendFormat: 'p95' }],
    });
  return dashboard({
    uid: 'modelwatch-drift',
    title: 'modelwatch / Drift',
    description: 'Drift of each feature and of the predictions against the active training baseline.',
    variables: [
      { name: 'model', label: 'Model', query: 'label_values(modelwatch_drift_score, model)' },
      { name: 'feature', label: 'Feature', query: 'label_values(modelwatch_drift_score{model="$model",kind="input"}, feature)', multi: true, includeAll: true },
    ],
    panels: g.panels,
  });
}

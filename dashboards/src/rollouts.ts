import { Grid, MODEL_VARIABLES, dashboard } from './grafana.js';

const SEL = 'model="$model",stage=~"$stage"';
const byVariant = (metric: string, extra = '') => `sum by (variant) (rate(${metric}{${SEL}${extra}}[$__rate_interval]))`;

/** Rollouts: every variant of a model (primary, canary, shadow, blue/green) side by side. */
export function rolloutsDashboard() {
  const g = new Grid()
    .row('Traffic and health by variant')
    .add({ title: 'Requests by variant', unit: 'reqps', targets: [{ expr: byVariant('modelwatch_requests_total'), legendFormat: '{{variant}}' }] })
    .add({
      title: 'Failed requests by variant',
      unit: 'percentunit',
      targets: [{ expr: `${byVariant('modelwatch_requests_total', ',outcome!="success"')} / ${byVariant('modelwatch_requests_total')}`, legendFormat: '{{variant}}' }],
    })
    .add({
      title: 'Latency p95 by variant',
      unit: 's',
      targets: [{ expr: `histogram_quantile(0.95, sum by (variant, le) (rate(modelwatch_request_duration_seconds_bucket{${SEL}}[$__rate_interval])))`, legendFormat: '{{variant}}' }],
    })
    .row('Predictions by variant')
    .add({
      title: 'Predicted class share by variant',
      unit: 'percentunit',
      w: 12,
      targets: [
        {
          expr: `sum by (variant, class) (rate(modelwatch_output_class_total{${SEL}}[$__rate_interval])) / on (variant) group_left () ${byVariant('modelwatch_output_class_total')}`,
          legendFormat: '{{variant}} {{class}}',
        },
      ],
    })
    .add({
      title: 'Median confidence by variant',
      unit: 'percentunit',
      w: 12,
      min: 0,
      max: 1,
      targets: [{ expr: `histogram_quantile(0.5, sum by (variant, le) (rate(modelwatch_output_confidence_bucket{${SEL}}[$__rate_interval])))`, legendFormat: '{{variant}}' }],
    })
    .add({
      title: 'Low-confidence share by variant',
      unit: 'percentunit',
      w: 12,
      targets: [{ expr: `${byVariant('modelwatch_output_low_confidence_total')} / ${byVariant('modelwatch_predictions_total')}`, legendFormat: '{{variant}}' }],
    })
    .add({
      title: 'Model versions serving',
      type: 'table',
      unit: 'short',
      w: 12,
      targets: [{ expr: `count by (variant, model_version, mode) (modelwatch_model_info{${SEL}})`, instant: true, format: 'table' }],
    });
  return dashboard({
    uid: 'modelwatch-rollouts',
    title: 'modelwatch / Rollouts',
    description: 'Variants of a model side by side: traffic, errors, latency and predictions.',
    variables: MODEL_VARIABLES,
    panels: g.panels,
  });
}

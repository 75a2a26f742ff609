import { Grid, MODEL_VARIABLES, dashboard } from './grafana.js';

const SEL = 'model="$model",stage=~"$stage"';
const r = (metric: string, extra = '') => `rate(${metric}{${SEL}${extra}}[$__rate_interval])`;
const quantile = (q: number, metric: string, by = '') =>
  `histogram_quantile(${q}, sum by (le${by}) (${r(`${metric}_bucket`)}))`;

/** Model overview: the three things to watch on any model in production. */
export function overviewDashboard() {
  const g = new Grid()
    .row('Software')
    .add({ title: 'Requests by outcome', unit: 'reqps', targets: [{ expr: `sum by (outcome) (${r('modelwatch_requests_total')})`, legendFormat: '{{outcome}}' }] })
    .add({
      title: 'Failed requests (upstream or internal)',
      unit: 'percentunit',
      min: 0,
      thresholds: [{ value: null, color: 'green' }, { value: 0.05, color: 'red' }],
      targets: [{ expr: `sum(${r('modelwatch_requests_total', ',outcome=~"upstream_error|internal_error"')}) / sum(${r('modelwatch_requests_total')})`, legendFormat: 'failed' }],
    })
    .add({ title: 'Errors by reason', unit: 'reqps', targets: [{ expr: `sum by (reason) (${r('modelwatch_request_errors_total')})`, legendFormat: '{{reason}}' }] })
    .add({
      title: 'Request latency',
      unit: 's',
      targets: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, 'modelwatch_request_duration_seconds'), legendFormat: `p${q * 100}` })),
    })
    .add({
      title: 'Inference time (model only)',
      unit: 's',
      targets: [0.5, 0.95].map((q) => ({ expr: quantile(q, 'modelwatch_inference_duration_seconds'), legendFormat: `p${q * 100}` })),
    })
    .add({ title: 'Requests in flight', unit: 'short', targets: [{ expr: `sum by (instance) (modelwatch_requests_in_flight{${SEL}})`, legendFormat: '{{instance}}' }] })
    .add({
      title: 'Sidecar CPU',
      unit: 'percentunit',
      thresholds: [{ value: null, color: 'green' }, { value: 0.9, color: 'red' }],
      targets: [{ expr: 'rate(process_cpu_seconds_total{job=~".*sidecar.*"}[$__rate_interval])', legendFormat: '{{instance}}' }],
    })
    .add({ title: 'Event loop lag p99', unit: 's', targets: [{ expr: 'nodejs_eventloop_lag_p99_seconds{job=~".*sidecar.*"}', legendFormat: '{{instance}}' }] })
    .add({
      title: 'Request size p95',
      unit: 'bytes',
      targets: [{ expr: quantile(0.95, 'modelwatch_request_size_bytes'), legendFormat: 'request' }, { expr: quantile(0.95, 'modelwatch_response_size_bytes'), legendFormat: 'response' }],
    })
    .row('Inputs')
    .add({ title: 'Rows per second', unit: 'short', targets: [{ expr: `sum(${r('modelwatch_input_rows_total')})`, legendFormat: 'rows/s' }] })
    .add({
      title: 'Missing or non-finite values by feature',
      unit: 'percentunit',
      targets: [{ expr: `sum by (feature) (${r('modelwatch_input_invalid_values_total')}) / scalar(sum(${r('modelwatch_input_rows_total')}))`, legendFormat: '{{feature}}' }],
    })
    .add({
      title: 'Out of training range by feature',
      unit: 'percentunit',
      targets: [{ expr: `sum by (feature, side) (${r('modelwatch_input_out_of_range_total')}) / scalar(sum(${r('modelwatch_input_rows_total')}))`, legendFormat: '{{feature}} {{side}}' }],
    })
    .add({
      title: 'Feature median',
      description: 'Median of each numeric feature, interpolated within the baseline bins.',
      unit: 'short',
      w: 12,
      targets: [{ expr: quantile(0.5, 'modelwatch_input_feature_value', ', feature'), legendFormat: '{{feature}}' }],
    })
    .add({ title: 'Rows per request p95', unit: 'short', w: 12, targets: [{ expr: quantile(0.95, 'modelwatch_input_batch_rows'), legendFormat: 'p95' }] })
    .row('Outputs')
    .add({ title: 'Predicted classes', unit: 'short', targets: [{ expr: `sum by (class) (${r('modelwatch_output_class_total')})`, legendFormat: '{{class}}' }] })
    .add({
      title: 'Confidence',
      unit: 'percentunit',
      min: 0,
      max: 1,
      targets: [0.1, 0.5].map((q) => ({ expr: quantile(q, 'modelwatch_output_confidence'), legendFormat: `p${q * 100}` })),
    })
    .add({
      title: 'Low-confidence and empty outputs',
      unit: 'percentunit',
      targets: [
        { expr: `sum(${r('modelwatch_output_low_confidence_total')}) / sum(${r('modelwatch_predictions_total')})`, legendFormat: 'low confidence' },
        { expr: `sum(${r('modelwatch_output_empty_total')}) / sum(${r('modelwatch_input_rows_total')})`, legendFormat: 'empty' },
      ],
    });
  return dashboard({
    uid: 'modelwatch-overview',
    title: 'modelwatch / Model overview',
    description: 'Software health, inputs and outputs of one model.',
    variables: MODEL_VARIABLES,
    panels: g.panels,
  });
}

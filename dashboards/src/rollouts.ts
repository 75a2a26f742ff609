import { Grid, MODEL_VARIABLES, dashboard } from './grafana.js';

const SEL = 'model="$model",stage=~"$stage"';
const byVariant = (metric: string, extra = '') => `sum by (variant) (rate(${metric}{${SEL}${extra}}[$__rate_interval]))`;
const byPair = (extra: string) => `sum by (variant, reference_variant) (rate(modelwatch_variant_comparisons_total{${SEL}${extra}}[$__rate_interval]))`;

/** Routing changes (set, switch, step, promote, rollback) as annotations on every panel. */
export const ROLLOUT_EVENTS_ANNOTATION = `changes(modelwatch_rollout_events_total{${SEL}}[2m]) > 0`;

/** Rollouts: every variant of a model (primary, canary, shadow, blue/green) side by side. */
export function rolloutsDashboard() {
  const g = new Grid()
    .row('Routing')
    .add({
      title: 'Traffic share by variant',
      description: 'Share of client traffic each variant answers (a shadow: share of requests copied to it). Routing changes are annotated.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      targets: [{ expr: `max by (variant, role) (modelwatch_rollout_traffic_weight{${SEL}})`, legendFormat: '{{variant}} ({{role}})' }],
    })
    .add({
      title: 'Routing changes',
      description: 'Changes in the window by action and trigger: manual (admin API) or automatic (canary analysis).',
      type: 'table',
      unit: 'short',
      targets: [{ expr: `sum by (variant, action, trigger) (increase(modelwatch_rollout_events_total{${SEL}}[$__range]))`, instant: true, format: 'table' }],
    })
    .add({
      title: 'Canary analysis checks',
      description: 'Checks of each candidate against the primary per interval: pass, fail, or insufficient traffic.',
      unit: 'short',
      targets: [{ expr: `sum by (variant, check, result) (increase(modelwatch_rollout_analysis_checks_total{${SEL}}[$__rate_interval]))`, legendFormat: '{{variant}} {{check}} {{result}}' }],
    })
    .row('Traffic and health by variant')
    .add({ title: 'Requests by variant', unit: 'reqps', targets: [{ expr: byVariant('modelwatch_requests_total'), legendFormat: '{{variant}}' }] })
    .add({
      title: 'Failed requests by variant',
      unit: 'percentunit',
      targets: [{ expr: `${byVariant('modelwatch_requests_total', ',outcome!="success"')} / ${byVariant('modelwatch_requests_total')}`, legendFormat: '{{variant}}' }],
    })
    .add({
      title: 'Latency p99 by variant',
      unit: 's',
      targets: [{ expr: `histogram_quantile(0.99, sum by (variant, le) (rate(modelwatch_request_duration_seconds_bucket{${SEL}}[$__rate_interval])))`, legendFormat: '{{variant}}' }],
    })
    .row('Agreement and shadow traffic')
    .add({
      title: 'Agreement with the reference variant',
      description: 'Share of compared rows with the same top class as the reference variant on the same request (shadow copies; canary requests when the analysis calls the primary as a reference).',
      unit: 'percentunit',
      min: 0,
      max: 1,
      targets: [{ expr: `${byPair(',result="agree"')} / ${byPair(',result=~"agree|disagree"')}`, legendFormat: '{{variant}} vs {{reference_variant}}' }],
    })
    .add({
      title: 'Shadow calls by outcome',
      description: 'Copies sent to shadows: completed, failed, timed out, or dropped at the in-flight limit (the primary never waits).',
      unit: 'reqps',
      targets: [{ expr: `sum by (variant, outcome) (rate(modelwatch_shadow_requests_total{${SEL}}[$__rate_interval]))`, legendFormat: '{{variant}} {{outcome}}' }],
    })
    .row('Predictions and drift by variant')
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
      title: 'Drifted feature share by variant',
      description: 'The collector judges each variant on its own traffic when a model has several; the series without a variant is all traffic together.',
      unit: 'percentunit',
      w: 12,
      min: 0,
      max: 1,
      targets: [{ expr: 'max by (variant) (modelwatch_drift_drifted_features_ratio{model="$model"})', legendFormat: '{{variant}}' }],
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
    description: 'Variants of a model side by side: routing, traffic, errors, latency, agreement, predictions and drift; routing changes as annotations.',
    variables: MODEL_VARIABLES,
    panels: g.panels,
    annotations: [{ name: 'Rollout events', expr: ROLLOUT_EVENTS_ANNOTATION, titleFormat: '{{action}} {{variant}} ({{trigger}})', tagKeys: 'action,trigger,variant', iconColor: 'orange' }],
  });
}

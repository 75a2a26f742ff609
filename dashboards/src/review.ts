import { Grid, dashboard, type Variable } from './grafana.js';

const SEL = 'model="$model"';

/** The review metrics come from the collector, so the model list is read from them (no stage). */
const REVIEW_VARIABLES: Variable[] = [{ name: 'model', label: 'Model', query: 'label_values(modelwatch_review_queue_depth, model)' }];

/** Humans in the loop: the review queue, human-vs-model agreement and the automation trade-off. */
export function reviewDashboard() {
  const g = new Grid()
    .row('Review queue')
    .add({ title: 'Items waiting', unit: 'short', targets: [{ expr: `sum(modelwatch_review_queue_depth{${SEL}})`, legendFormat: 'waiting' }] })
    .add({ title: 'Oldest item age', unit: 's', targets: [{ expr: `max(modelwatch_review_oldest_item_age_seconds{${SEL}})`, legendFormat: 'oldest' }] })
    .add({
      title: 'In vs decided',
      unit: 'ops',
      targets: [
        { expr: `sum(rate(modelwatch_review_items_total{${SEL},outcome="queued"}[$__rate_interval]))`, legendFormat: 'queued' },
        { expr: `sum(rate(modelwatch_review_decisions_total{${SEL}}[$__rate_interval]))`, legendFormat: 'decided' },
        { expr: `sum(rate(modelwatch_review_items_total{${SEL},outcome=~"dropped|refused"}[$__rate_interval]))`, legendFormat: 'lost (full queue)' },
      ],
    })
    .add({
      title: 'Share sent to humans',
      unit: 'percentunit',
      targets: [{ expr: `sum(rate(modelwatch_review_marked_total{${SEL}}[$__rate_interval])) / sum(rate(modelwatch_input_rows_total{${SEL}}[$__rate_interval]))`, legendFormat: 'sent to review' }],
    })
    .add({
      title: 'Reviewer throughput',
      description: 'Decisions per active reviewer (reviewers who decided in the last 15 minutes).',
      unit: 'ops',
      targets: [{ expr: `sum(rate(modelwatch_review_decisions_total{${SEL}}[$__rate_interval])) / sum(modelwatch_review_active_reviewers{${SEL}})`, legendFormat: 'per reviewer' }],
    })
    .add({
      title: 'Time to decision p90',
      unit: 's',
      targets: [{ expr: `histogram_quantile(0.9, sum by (le) (rate(modelwatch_review_decision_latency_seconds_bucket{${SEL}}[$__rate_interval])))`, legendFormat: 'p90' }],
    })
    .row('Human vs model (shadow-mode comparison)')
    .add({
      title: 'Agreement',
      unit: 'percentunit',
      w: 12,
      min: 0,
      max: 1,
      targets: [
        {
          expr: `sum(rate(modelwatch_review_decisions_total{${SEL},outcome="agree"}[$__rate_interval])) / sum(rate(modelwatch_review_decisions_total{${SEL},outcome=~"agree|disagree"}[$__rate_interval]))`,
          legendFormat: 'agree',
        },
      ],
    })
    .add({
      title: 'Agreement by confidence band',
      unit: 'percentunit',
      w: 12,
      min: 0,
      max: 1,
      targets: [
        {
          expr: `sum by (band) (rate(modelwatch_review_decisions_total{${SEL},outcome="agree"}[$__rate_interval])) / sum by (band) (rate(modelwatch_review_decisions_total{${SEL},outcome=~"agree|disagree"}[$__rate_interval]))`,
          legendFormat: '{{band}}',
        },
      ],
    })
    .row('Choosing the threshold')
    .add({
      title: 'Automation report (last 7 days of labels)',
      description: 'For each confidence threshold: the share of answers that would be automated and their accuracy. The same numbers as `modelwatch automation report`.',
      type: 'table',
      unit: 'percentunit',
      w: 24,
      h: 10,
      targets: [
        { expr: `max by (threshold) (modelwatch_automation_share_ratio{${SEL}})`, instant: true, format: 'table' },
        { expr: `max by (threshold) (modelwatch_automation_accuracy_ratio{${SEL}})`, instant: true, format: 'table' },
      ],
      options: { showHeader: true },
    });
  return dashboard({
    uid: 'modelwatch-review',
    title: 'modelwatch / Humans in the loop',
    description: 'Review queue, human-vs-model agreement by confidence band, and the automation trade-off per threshold.',
    variables: REVIEW_VARIABLES,
    panels: g.panels,
  });
}

import { config } from '../config.js';
import { alert, type RuleGroup } from '../rule.js';

const c = config.review;

export const reviewRecording: RuleGroup = {
  name: 'modelwatch-review.rules',
  rules: [
    {
      // Items in minus decisions out, per second: above 0 the backlog grows.
      record: 'model:modelwatch_review_queue_growth:rate15m',
      expr:
        'sum by (model) (rate(modelwatch_review_items_total{outcome="queued"}[15m]))' +
        ' - (sum by (model) (rate(modelwatch_review_decisions_total[15m])) or sum by (model) (rate(modelwatch_review_items_total{outcome="queued"}[15m])) * 0)',
    },
    {
      record: 'model:modelwatch_review_agreement:ratio_rate1h',
      expr:
        'sum by (model) (rate(modelwatch_review_decisions_total{outcome="agree"}[1h]))' +
        ' / sum by (model) (rate(modelwatch_review_decisions_total{outcome=~"agree|disagree"}[1h]))',
    },
    {
      // The shadow-mode comparison by confidence band: where the model's confidence can be trusted.
      record: 'model_band:modelwatch_review_agreement:ratio_rate1h',
      expr:
        'sum by (model, band) (rate(modelwatch_review_decisions_total{outcome="agree"}[1h]))' +
        ' / sum by (model, band) (rate(modelwatch_review_decisions_total{outcome=~"agree|disagree"}[1h]))',
    },
    {
      // Share of answered rows a person has to look at (partial automation's cost).
      record: 'model:modelwatch_review_sent_to_humans:ratio_rate1h',
      expr: 'sum by (model) (rate(modelwatch_review_marked_total[1h])) / sum by (model) (rate(modelwatch_input_rows_total[1h]))',
    },
  ],
};

export const reviewAlerts: RuleGroup = {
  name: 'modelwatch-review.alerts',
  rules: [
    alert({
      name: 'ModelwatchReviewQueueGrowing',
      expr:
        `model:modelwatch_review_queue_growth:rate15m > 0` +
        ` and on (model) max by (model) (modelwatch_review_queue_depth) > ${c.growingMinDepth}`,
      for: c.growingFor,
      severity: 'warning',
      summary: 'The review queue grows faster than reviewers work it.',
      description: `{{ $labels.model }}: the review queue grows by {{ $value | humanize }} items/s more than reviewers decide, with more than ${c.growingMinDepth} items waiting.`,
    }),
    alert({
      name: 'ModelwatchReviewItemTooOld',
      expr: `max by (model) (modelwatch_review_oldest_item_age_seconds) > ${c.oldestItemSeconds}`,
      for: c.oldestItemFor,
      severity: 'warning',
      summary: 'An answer has waited too long for a human decision.',
      description: `{{ $labels.model }}: the oldest review item has waited {{ $value | humanizeDuration }} (threshold ${c.oldestItemSeconds / 3600}h).`,
    }),
    alert({
      name: 'ModelwatchReviewAgreementLow',
      expr:
        `model:modelwatch_review_agreement:ratio_rate1h < ${c.agreementRatio}` +
        ` and on (model) sum by (model) (increase(modelwatch_review_decisions_total{outcome=~"agree|disagree"}[1h])) >= ${c.agreementMinDecisions}`,
      for: c.agreementFor,
      severity: 'warning',
      summary: 'Reviewers disagree with the model more often.',
      description: `{{ $labels.model }}: reviewers agreed with the model on {{ $value | humanizePercentage }} of reviewed answers in the last hour (threshold ${c.agreementRatio * 100}%).`,
    }),
    alert({
      name: 'ModelwatchRetrainingWebhookFailing',
      expr: 'sum by (model, reason) (increase(modelwatch_retraining_triggers_total{outcome="failed"}[1h])) > 0',
      for: c.retrainingFailedFor,
      severity: 'warning',
      summary: 'A retraining trigger could not reach its webhook.',
      description: '{{ $labels.model }}: a retraining trigger ({{ $labels.reason }}) failed every webhook attempt in the last hour; the training pipeline was not started.',
    }),
  ],
};

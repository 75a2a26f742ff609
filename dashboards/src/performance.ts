import { Grid, dashboard } from './grafana.js';

const M = 'model="$model"';
const V = 'variant=~"$variant"';
const W = 'window="$window"';

// A detector's counter series first appears when it first fires (scraped at 1, or at its stored
// count after a backlog or a restart), and increase()/changes() see nothing in a series' first
// sample. So count detections as "now minus the range's start", taking a series that did not exist
// at the start whole, and mark a detection wherever the counter rose or first appeared.
export function detectionsInRange(counter: string): string {
  return `sum by (detector) (clamp_min(${counter} - ${counter} offset $__range, 0) or ${counter})`;
}

export function detectionMarks(counter: string): string {
  return `(${counter} - ${counter} offset $__rate_interval > 0) or (${counter} > 0 unless ${counter} offset $__rate_interval)`;
}

/**
 * Performance: realized performance against the baseline's reference per variant, label coverage
 * and delay, user signals, and concept-drift detections (also drawn as annotations).
 */
export function performanceDashboard() {
  const g = new Grid()
    .row('Realized performance against the reference')
    .add({
      title: 'Realized vs reference',
      description: 'Realized performance of the labelled predictions made in the window, per variant (accuracy, macro F1, ECE for classes; MAE, RMSE, bias for values); reference: the hold-out figures of the active baseline.',
      unit: 'short',
      w: 16,
      targets: [
        { expr: `max by (variant, metric) (modelwatch_performance_realized{${M},${V},${W}})`, legendFormat: '{{variant}} {{metric}}' },
        { expr: `max by (metric) (modelwatch_performance_reference{${M}})`, legendFormat: 'reference {{metric}}' },
      ],
    })
    .add({
      title: 'Accuracy vs reference',
      type: 'stat',
      unit: 'percentunit',
      w: 8,
      thresholds: [{ value: null, color: 'red' }, { value: 0.95, color: 'green' }],
      targets: [{ expr: `model_variant:modelwatch_performance_accuracy_vs_reference:ratio{${M},${V}}`, legendFormat: '{{variant}}', instant: true }],
    })
    .add({
      title: 'Recall per class',
      type: 'bargauge',
      unit: 'percentunit',
      w: 12,
      min: 0,
      max: 1,
      options: { orientation: 'horizontal', displayMode: 'basic' },
      targets: [{ expr: `max by (class) (modelwatch_performance_class_recall_ratio{${M},${V},${W}})`, legendFormat: '{{class}}', instant: true }],
    })
    .add({
      title: 'Precision per class',
      type: 'bargauge',
      unit: 'percentunit',
      w: 12,
      min: 0,
      max: 1,
      options: { orientation: 'horizontal', displayMode: 'basic' },
      targets: [{ expr: `max by (class) (modelwatch_performance_class_precision_ratio{${M},${V},${W}})`, legendFormat: '{{class}}', instant: true }],
    })
    .row('Labels')
    .add({
      title: 'Label coverage',
      description: 'Share of the window\'s predictions that have a label.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      targets: [{ expr: `max by (variant) (modelwatch_label_coverage_ratio{${M},${V},${W}})`, legendFormat: '{{variant}}' }],
    })
    .add({
      title: 'Label delay (median)',
      unit: 's',
      targets: [{ expr: `max by (variant) (modelwatch_label_delay_seconds{${M},${V},${W}})`, legendFormat: '{{variant}}' }],
    })
    .add({
      title: 'Feedback by outcome',
      description: 'Labels and user signals received, by outcome: anything but accepted says why it was not joined.',
      unit: 'ops',
      targets: [{ expr: `sum by (kind, outcome) (rate(modelwatch_feedback_total{${M}}[$__rate_interval]))`, legendFormat: '{{kind}} {{outcome}}' }],
    })
    .add({
      title: 'Labelled predictions in the window',
      unit: 'short',
      targets: [
        { expr: `max by (variant) (modelwatch_performance_labelled_predictions{${M},${V},${W}})`, legendFormat: '{{variant}} labelled' },
        { expr: `max by (variant) (modelwatch_performance_window_predictions{${M},${V},${W}})`, legendFormat: '{{variant}} predictions' },
      ],
    })
    .add({
      title: 'Prediction records',
      description: 'Records shipped by sidecars, by outcome (duplicate = a retried batch, harmless).',
      unit: 'ops',
      targets: [{ expr: `sum by (outcome) (rate(modelwatch_prediction_records_total{${M}}[$__rate_interval]))`, legendFormat: '{{outcome}}' }],
    })
    .add({
      title: 'Held labels by outcome',
      description: 'Labels that came before their prediction record, by what became of them: joined when the record arrived within the grace period; expired or dropped (the model held its maximum) are lost (ModelwatchLabelsLost).',
      unit: 'ops',
      w: 24,
      targets: [{ expr: `sum by (outcome) (rate(modelwatch_feedback_pending_labels_total{${M}}[$__rate_interval]))`, legendFormat: '{{outcome}}' }],
    })
    .row('User signals')
    .add({
      title: 'User signals per prediction',
      description: 'Share of the window\'s predictions with at least one signal of each name (redo, switch to typing, click…).',
      unit: 'percentunit',
      w: 24,
      targets: [{ expr: `max by (variant, event) (modelwatch_feedback_event_rate_ratio{${M},${V},${W}})`, legendFormat: '{{variant}} {{event}}' }],
    })
    .row('Concept drift')
    .add({
      title: 'Detections in the time range',
      type: 'stat',
      unit: 'short',
      w: 12,
      thresholds: [{ value: null, color: 'green' }, { value: 1, color: 'orange' }],
      targets: [{ expr: detectionsInRange(`modelwatch_concept_drift_detections_total{${M},${V}}`), legendFormat: '{{detector}}', instant: true }],
    })
    .add({
      title: 'DDM warning zone',
      type: 'state-timeline',
      unit: 'bool_yes_no',
      w: 12,
      thresholds: [{ value: null, color: 'green' }, { value: 1, color: 'orange' }],
      targets: [{ expr: `max by (variant) (modelwatch_concept_drift_warning{${M},${V},detector="ddm"})`, legendFormat: '{{variant}}' }],
    });
  return dashboard({
    uid: 'modelwatch-performance',
    title: 'modelwatch / Performance',
    description: 'Realized performance from ground-truth labels against the training reference, label coverage and delay, user signals and concept drift.',
    variables: [
      { name: 'model', label: 'Model', query: 'label_values(modelwatch_performance_window_predictions, model)' },
      { name: 'window', label: 'Window', query: 'label_values(modelwatch_performance_window_predictions{model="$model"}, window)' },
      { name: 'variant', label: 'Variant', query: 'label_values(modelwatch_performance_window_predictions{model="$model"}, variant)', multi: true, includeAll: true },
    ],
    annotations: [
      {
        name: 'Concept drift',
        expr: detectionMarks(`modelwatch_concept_drift_detections_total{${M}}`),
        titleFormat: 'Concept drift: {{detector}} ({{variant}})',
        tagKeys: 'detector,variant',
        iconColor: 'red',
      },
    ],
    panels: g.panels,
  });
}

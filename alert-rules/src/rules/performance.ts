import { config } from '../config.js';
import { alert, type RuleGroup } from '../rule.js';

const c = config.performance;
const w = `window="${c.window}"`;

/** A Prometheus duration of one unit ('90s', '15m', '1d') in seconds, for comparing with time(). */
function durationSeconds(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m) throw new Error(`alert-rules config: '${text}' is not a duration of one unit (s, m, h, d)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3_600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export const performanceRecording: RuleGroup = {
  name: 'modelwatch-performance.rules',
  rules: [
    {
      // Realized accuracy as a share of the baseline's hold-out accuracy: 1 = as good as at training.
      record: 'model_variant:modelwatch_performance_accuracy_vs_reference:ratio',
      expr: `max by (model, variant, window) (modelwatch_performance_realized{metric="accuracy",${w}}) / on (model) group_left () max by (model) (modelwatch_performance_reference{metric="accuracy"})`,
    },
    {
      // Detectors whose last detection is recent, per model and variant (0 when none is). Read from
      // the last-detection timestamp, not increase() of the detection counter: a counter series
      // first scraped at 1 (the detector fired in the collector's first round over a backlog, or
      // right after a restart) shows no increase, and the alert would never fire.
      record: 'model_variant:modelwatch_concept_drift_detectors:count',
      expr: `count by (model, variant) (time() - modelwatch_concept_drift_last_detection_timestamp_seconds <= ${durationSeconds(c.conceptAgreementRange)}) or sum by (model, variant) (0 * modelwatch_concept_drift_detections_total)`,
    },
  ],
};

const short = `modelwatch_feedback_event_rate_ratio{window="${c.shortWindow}"}`;
const long = `modelwatch_feedback_event_rate_ratio{${w}}`;
const lostLabels = `sum by (model) (increase(modelwatch_feedback_pending_labels_total{outcome=~"expired|dropped"}[${c.lostLabelsRange}]))`;
const heldLabels = `sum by (model) (increase(modelwatch_feedback_pending_labels_total[${c.lostLabelsRange}]))`;
const enoughLabels = `on (model, variant, window) modelwatch_performance_labelled_predictions{${w}} >= ${c.minLabelled}`;

export const performanceAlerts: RuleGroup = {
  name: 'modelwatch-performance.alerts',
  rules: [
    alert({
      name: 'ModelwatchAccuracyBelowReference',
      expr: `model_variant:modelwatch_performance_accuracy_vs_reference:ratio < ${c.accuracyVsReference} and ${enoughLabels}`,
      for: c.belowReferenceFor,
      severity: 'warning',
      summary: 'Realized accuracy is below the accuracy the model had at training.',
      description: `{{ $labels.model }} ({{ $labels.variant }}): realized accuracy over {{ $labels.window }} is {{ $value | humanizePercentage }} of the baseline's hold-out accuracy (limit ${c.accuracyVsReference * 100}%).`,
    }),
    alert({
      name: 'ModelwatchErrorAboveReference',
      // Inline, not a recording rule: most models are classifiers and would record nothing.
      expr: `max by (model, variant, window) (modelwatch_performance_realized{metric="mae",${w}}) / on (model) group_left () max by (model) (modelwatch_performance_reference{metric="mae"} > 0) > ${c.maeVsReference} and ${enoughLabels}`,
      for: c.belowReferenceFor,
      severity: 'warning',
      summary: 'Realized mean absolute error is above the error the model had at training.',
      description: `{{ $labels.model }} ({{ $labels.variant }}): realized MAE over {{ $labels.window }} is {{ $value | printf "%.2f" }} times the baseline's hold-out MAE (limit ${c.maeVsReference}).`,
    }),
    alert({
      name: 'ModelwatchConceptDrift',
      expr: `model_variant:modelwatch_concept_drift_detectors:count >= ${c.conceptDetectorsAgreeing}`,
      for: c.conceptFor,
      severity: 'warning',
      summary: 'Concept drift: the model\'s errors changed, confirmed by more than one detector.',
      description: `{{ $labels.model }} ({{ $labels.variant }}): {{ $value }} concept-drift detectors (DDM, ADWIN, Page-Hinkley) detected a change in the error stream within ${c.conceptAgreementRange}.`,
    }),
    alert({
      name: 'ModelwatchLabelCoverageLow',
      expr: `modelwatch_label_coverage_ratio{${w}} < ${c.minLabelCoverage} and on (model, variant, window) modelwatch_performance_window_predictions{${w}} >= ${c.minPredictions}`,
      for: c.coverageFor,
      severity: 'warning',
      summary: 'Too few predictions get a label: realized performance and concept drift are blind.',
      description: `{{ $labels.model }} ({{ $labels.variant }}): only {{ $value | humanizePercentage }} of the predictions over {{ $labels.window }} have a label (limit ${c.minLabelCoverage * 100}%); labels may have stopped arriving.`,
    }),
    alert({
      name: 'ModelwatchLabelsLost',
      // The collector writes the three outcomes at 0 with a model's first label batch, so increase()
      // sees the first expiry (a series first scraped at its first loss would show no increase).
      expr: `${lostLabels} / ${heldLabels} > ${c.lostLabelsRatio} and ${lostLabels} >= ${c.lostLabelsMin}`,
      for: c.lostLabelsFor,
      severity: 'warning',
      summary: 'Labels are lost: they arrive for predictions whose records never reach the collector.',
      description: `{{ $labels.model }}: {{ $value | humanizePercentage }} of the labels held for a prediction record that had not arrived were lost over the last ${c.lostLabelsRange} (expired after the grace period, or dropped because the model held its maximum; limit ${c.lostLabelsRatio * 100}%).`,
    }),
    alert({
      name: 'ModelwatchUserSignalRateUp',
      // `and` keeps the short-window series as it is (with its window label); the comparisons only filter.
      expr: `${short} and ignoring (window) (${short} > ignoring (window) (${c.signalRateFactor} * ${long})) and ignoring (window) (${short} - ignoring (window) ${long} > ${c.signalRateMinIncrease}) and on (model, variant, window) modelwatch_performance_window_predictions{window="${c.shortWindow}"} >= ${c.minPredictions}`,
      for: c.signalFor,
      severity: 'warning',
      summary: 'A user signal (redo, switch to typing…) became much more frequent.',
      description: `{{ $labels.model }} ({{ $labels.variant }}): the {{ $labels.event }} rate over ${c.shortWindow} is {{ $value | humanizePercentage }}, over ${c.signalRateFactor} times its ${c.window} rate: users are working around the model's answers.`,
    }),
  ],
};

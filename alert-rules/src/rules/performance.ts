import { config } from '../config.js';
import { alert, type RuleGroup } from '../rule.js';

const c = config.performance;
const w = `window="${c.window}"`;

export const performanceRecording: RuleGroup = {
  name: 'modelwatch-performance.rules',
  rules: [
    {
      // Realized accuracy as a share of the baseline's hold-out accuracy: 1 = as good as at training.
      record: 'model_variant:modelwatch_performance_accuracy_vs_reference:ratio',
      expr: `max by (model, variant, window) (modelwatch_performance_realized{metric="accuracy",${w}}) / on (model) group_left () max by (model) (modelwatch_performance_reference{metric="accuracy"})`,
    },
    {
      // Detectors that detected a concept drift recently, per model and variant (0 when none did:
      // ceil(clamp_max(increase, 1)) is 1 for any detection, whatever increase()'s extrapolation).
      record: 'model_variant:modelwatch_concept_drift_detectors:count',
      expr: `sum by (model, variant) (ceil(clamp_max(increase(modelwatch_concept_drift_detections_total[${c.conceptAgreementRange}]), 1)))`,
    },
  ],
};

const short = `modelwatch_feedback_event_rate_ratio{window="${c.shortWindow}"}`;
const long = `modelwatch_feedback_event_rate_ratio{${w}}`;
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

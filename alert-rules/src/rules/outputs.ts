import { config } from '../config.js';
import { alert, type RuleGroup } from '../rule.js';

const c = config.outputs;

export const outputRecording: RuleGroup = {
  name: 'modelwatch-outputs.rules',
  rules: [
    {
      record: 'model_stage_output:modelwatch_output_empty:ratio_rate5m',
      expr:
        'sum by (model, stage, output) (rate(modelwatch_output_empty_total[5m]))' +
        ' / on (model, stage) group_left () sum by (model, stage) (rate(modelwatch_input_rows_total[5m]))',
    },
    {
      record: 'model_stage_output:modelwatch_output_low_confidence:ratio_rate5m',
      expr:
        'sum by (model, stage, output) (rate(modelwatch_output_low_confidence_total[5m]))' +
        ' / sum by (model, stage, output) (rate(modelwatch_predictions_total[5m]))',
    },
  ],
};

export const outputAlerts: RuleGroup = {
  name: 'modelwatch-outputs.alerts',
  rules: [
    alert({
      name: 'ModelwatchEmptyOutputs',
      expr: `model_stage_output:modelwatch_output_empty:ratio_rate5m > ${c.emptyRatio}`,
      for: c.emptyFor,
      severity: 'warning',
      summary: 'The model returns null or empty outputs.',
      description: `{{ $labels.model }} (stage {{ $labels.stage }}): output {{ $labels.output }} is null, empty or missing for {{ $value | humanizePercentage }} of rows (threshold ${c.emptyRatio * 100}%).`,
    }),
    alert({
      name: 'ModelwatchLowConfidence',
      expr: `model_stage_output:modelwatch_output_low_confidence:ratio_rate5m > ${c.lowConfidenceRatio}`,
      for: c.lowConfidenceFor,
      severity: 'warning',
      summary: 'Many predictions have low confidence.',
      description: `{{ $labels.model }} (stage {{ $labels.stage }}): {{ $value | humanizePercentage }} of predictions of {{ $labels.output }} are under the confidence threshold (alert at ${c.lowConfidenceRatio * 100}%); route them to human review.`,
    }),
    alert({
      name: 'ModelwatchPredictionDistributionShift',
      expr: 'max by (model, feature, method, window) (modelwatch_drift_detected{kind="output"}) == 1',
      for: c.predictionShiftFor,
      severity: 'warning',
      summary: 'The distribution of predictions moved away from training.',
      description: '{{ $labels.model }}: the distribution of output {{ $labels.feature }} drifted from the baseline ({{ $labels.method }}, window {{ $labels.window }}).',
    }),
  ],
};

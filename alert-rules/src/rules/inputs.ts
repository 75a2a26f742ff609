import { config } from '../config.js';
import { alert, type RuleGroup } from '../rule.js';

const c = config.inputs;
/** Per-feature counters divided by the rows of the same model and stage: a per-row ratio. */
const perRow = (counter: string, extra = '') =>
  `sum by (model, stage, feature) (rate(${counter}${extra}[5m]))` +
  ' / on (model, stage) group_left () sum by (model, stage) (rate(modelwatch_input_rows_total[5m]))';

export const inputRecording: RuleGroup = {
  name: 'modelwatch-inputs.rules',
  rules: [
    { record: 'model_stage_feature:modelwatch_input_missing:ratio_rate5m', expr: perRow('modelwatch_input_invalid_values_total') },
    { record: 'model_stage_feature:modelwatch_input_out_of_range:ratio_rate5m', expr: perRow('modelwatch_input_out_of_range_total') },
    {
      record: 'model_stage:modelwatch_input_schema_errors:ratio_rate5m',
      expr:
        `sum by (model, stage) (rate(modelwatch_request_errors_total{reason=~"${c.schemaErrorReasons.join('|')}"}[5m]))` +
        ' / sum by (model, stage) (rate(modelwatch_requests_total[5m]))',
    },
  ],
};

export const inputAlerts: RuleGroup = {
  name: 'modelwatch-inputs.alerts',
  rules: [
    alert({
      name: 'ModelwatchInputMissingValues',
      expr: `model_stage_feature:modelwatch_input_missing:ratio_rate5m > ${c.missingRatio}`,
      for: c.missingFor,
      severity: 'warning',
      summary: 'A feature is often missing, NaN or infinite.',
      description: `{{ $labels.model }} (stage {{ $labels.stage }}): feature {{ $labels.feature }} is missing or not finite in {{ $value | humanizePercentage }} of rows (threshold ${c.missingRatio * 100}%).`,
    }),
    alert({
      name: 'ModelwatchInputOutOfRange',
      expr: `model_stage_feature:modelwatch_input_out_of_range:ratio_rate5m > ${c.outOfRangeRatio}`,
      for: c.outOfRangeFor,
      severity: 'warning',
      summary: 'A feature is often outside the range seen in training.',
      description: `{{ $labels.model }} (stage {{ $labels.stage }}): feature {{ $labels.feature }} is outside the baseline's min..max in {{ $value | humanizePercentage }} of rows (threshold ${c.outOfRangeRatio * 100}%).`,
    }),
    alert({
      name: 'ModelwatchInputSchemaErrors',
      expr: `model_stage:modelwatch_input_schema_errors:ratio_rate5m > ${c.schemaErrorRatio}`,
      for: c.schemaErrorFor,
      severity: 'warning',
      summary: 'Clients send requests that do not match the model schema.',
      description: `{{ $labels.model }} (stage {{ $labels.stage }}): {{ $value | humanizePercentage }} of requests were rejected as malformed, wrongly shaped or typed (threshold ${c.schemaErrorRatio * 100}%).`,
    }),
  ],
};

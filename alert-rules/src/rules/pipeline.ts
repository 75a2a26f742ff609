import { config } from '../config.js';
import { alert, type RuleGroup } from '../rule.js';

const c = config.pipeline;

export const pipelineRecording: RuleGroup = {
  name: 'modelwatch-pipeline.rules',
  rules: [
    {
      // Per stage of a pipeline (the Grafana pipeline panel colours stages by it).
      record: 'pipeline_stage:modelwatch_request_failures:ratio_rate5m',
      expr:
        'sum by (pipeline, stage, model) (rate(modelwatch_requests_total{outcome!="success"}[5m]))' +
        ' / sum by (pipeline, stage, model) (rate(modelwatch_requests_total[5m]))',
    },
  ],
};

export const pipelineAlerts: RuleGroup = {
  name: 'modelwatch-pipeline.alerts',
  rules: [
    alert({
      name: 'ModelwatchPipelineStageUnhealthy',
      expr: `pipeline_stage:modelwatch_request_failures:ratio_rate5m > ${c.failureRatio}`,
      for: c.unhealthyFor,
      severity: 'critical',
      summary: 'A pipeline stage fails a large share of its requests.',
      description: `Pipeline {{ $labels.pipeline }}, stage {{ $labels.stage }} ({{ $labels.model }}): {{ $value | humanizePercentage }} of requests fail (threshold ${c.failureRatio * 100}%); every later stage is affected.`,
    }),
  ],
};

import { FieldType, type DataFrame } from '@grafana/data';
import { DEFAULT_OPTIONS, type PanelOptions } from '../src/types.js';

/** An instant-query frame in the "time series" shape: one series, labels on the value field. */
export function createFrame(refId: string, labels: Record<string, string>, value: number): DataFrame {
  return {
    refId,
    length: 1,
    fields: [
      { name: 'Time', type: FieldType.time, config: {}, values: [1_700_000_000_000] },
      { name: 'Value', type: FieldType.number, config: {}, values: [value], labels },
    ],
  };
}

/** A topology series for one stage. */
export function topology(pipeline: string, stage: string, upstream: string[] = [], extra: Record<string, string> = {}): DataFrame {
  return createFrame('topology', {
    pipeline, stage, model: `${stage}-model`, upstream_stages: upstream.join(','),
    job: 'modelwatch', instance: `${stage}:9100`, ...extra,
  }, 1);
}

/** Every per-stage signal of a healthy stage, overridable one by one. */
export function healthyStage(pipeline: string, stage: string, over: Partial<Record<string, number>> = {}): DataFrame[] {
  const l = { pipeline, stage };
  const v = { requests: 10, errors: 0, p99: 0.05, empty: 0, lowconf: 0.01, ...over };
  return [
    createFrame('requests', l, v.requests),
    createFrame('errors', l, v.errors),
    createFrame('p99', l, v.p99),
    createFrame('empty', l, v.empty),
    createFrame('lowconf', l, v.lowconf),
    createFrame('up', { job: 'modelwatch', instance: `${stage}:9100` }, over.up ?? 1),
    createFrame('drift', { model: `${stage}-model` }, over.drift ?? 0),
    createFrame('drift_detected', { model: `${stage}-model` }, over.drift_detected ?? 0),
  ];
}

export function options(over: Partial<PanelOptions> = {}): PanelOptions {
  return { ...DEFAULT_OPTIONS, ...over };
}

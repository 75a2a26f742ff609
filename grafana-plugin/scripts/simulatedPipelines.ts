/**
 * Exposition text of simulated sidecars and a collector, for recording a real Prometheus response
 * (scripts/recordPrometheusFixture.ts). Counters grow with time at each stage's rates, so the panel's
 * rate()/histogram_quantile() queries give the values each scenario is meant to produce.
 */
export interface SimStage {
  pipeline: string;
  stage: string;
  model: string;
  upstream: string[];
  rps: number;
  errorRatio: number;
  /** Upper bound of the latency bucket holding the slowest 1.5% of requests (the rest are under 50 ms). */
  slowBucket: number;
  emptyRatio: number;
  lowConfidenceRatio: number;
  /** Stop serving after this many seconds (the target then scrapes as down). */
  stopAfter?: number;
}

/** One scenario per health state; `geo-lookup` is named upstream but never exports anything (unknown). */
export const SIM_STAGES: SimStage[] = [
  { pipeline: 'fraud', stage: 'features', model: 'fraud-features', upstream: [], rps: 40, errorRatio: 0, slowBucket: 0.1, emptyRatio: 0, lowConfidenceRatio: 0.01 },
  { pipeline: 'fraud', stage: 'score', model: 'fraud-score', upstream: ['features', 'geo-lookup'], rps: 40, errorRatio: 0.025, slowBucket: 0.1, emptyRatio: 0, lowConfidenceRatio: 0.02 },
  { pipeline: 'fraud', stage: 'explain', model: 'fraud-explain', upstream: ['score'], rps: 8, errorRatio: 0, slowBucket: 1, emptyRatio: 0, lowConfidenceRatio: 0.02 },
  { pipeline: 'fraud', stage: 'audit', model: 'fraud-audit', upstream: ['score'], rps: 30, errorRatio: 0, slowBucket: 0.1, emptyRatio: 0, lowConfidenceRatio: 0, stopAfter: 6 },
  { pipeline: 'recsys', stage: 'candidates', model: 'recsys-candidates', upstream: [], rps: 120, errorRatio: 0.001, slowBucket: 0.1, emptyRatio: 0.002, lowConfidenceRatio: 0.03 },
  { pipeline: 'recsys', stage: 'rank', model: 'recsys-rank', upstream: ['candidates'], rps: 120, errorRatio: 0, slowBucket: 0.25, emptyRatio: 0, lowConfidenceRatio: 0.15 },
  { pipeline: 'recsys', stage: 'rerank', model: 'recsys-rerank', upstream: ['rank'], rps: 110, errorRatio: 0, slowBucket: 0.1, emptyRatio: 0.08, lowConfidenceRatio: 0.05 },
];

/** Collector drift results per model: drifted-features ratio and the dataset verdict. */
export const SIM_DRIFT: Record<string, [number, number]> = {
  'fraud-features': [0, 0], 'fraud-score': [0.1, 0], 'fraud-explain': [0, 0],
  'recsys-candidates': [0.25, 0], 'recsys-rank': [0.75, 1], 'recsys-rerank': [0, 0],
};

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const labelText = (l: Record<string, string>) =>
  `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

export function sidecarExposition(s: SimStage, elapsedSeconds: number): string {
  const id = { model: s.model, model_version: '1', pipeline: s.pipeline, stage: s.stage, variant: 'primary' };
  const total = s.rps * elapsedSeconds;
  const errors = total * s.errorRatio;
  const outputs = total;
  const empty = outputs * s.emptyRatio;
  const predictions = outputs - empty;
  const lines = [
    '# TYPE modelwatch_model_info gauge',
    `modelwatch_model_info${labelText({ ...id, upstream_stages: s.upstream.join(','), mode: 'embedded' })} 1`,
    '# TYPE modelwatch_requests_total counter',
    `modelwatch_requests_total${labelText({ ...id, outcome: 'success', status_class: '2xx' })} ${total - errors}`,
    `modelwatch_requests_total${labelText({ ...id, outcome: 'upstream_error', status_class: '5xx' })} ${errors}`,
    '# TYPE modelwatch_request_duration_seconds histogram',
  ];
  for (const le of BUCKETS) {
    const share = le < 0.05 ? 0 : le < s.slowBucket ? 0.985 : 1;
    lines.push(`modelwatch_request_duration_seconds_bucket${labelText({ ...id, outcome: 'success', le: String(le) })} ${total * share}`);
  }
  lines.push(
    `modelwatch_request_duration_seconds_bucket${labelText({ ...id, outcome: 'success', le: '+Inf' })} ${total}`,
    `modelwatch_request_duration_seconds_sum${labelText({ ...id, outcome: 'success' })} ${total * 0.06}`,
    `modelwatch_request_duration_seconds_count${labelText({ ...id, outcome: 'success' })} ${total}`,
    '# TYPE modelwatch_predictions_total counter',
    `modelwatch_predictions_total${labelText({ ...id, output: 'probabilities' })} ${predictions}`,
    '# TYPE modelwatch_output_empty_total counter',
    `modelwatch_output_empty_total${labelText({ ...id, output: 'probabilities' })} ${empty}`,
    '# TYPE modelwatch_output_low_confidence_total counter',
    `modelwatch_output_low_confidence_total${labelText({ ...id, output: 'probabilities' })} ${predictions * s.lowConfidenceRatio}`,
  );
  return `${lines.join('\n')}\n`;
}

export function collectorExposition(): string {
  const lines = ['# TYPE modelwatch_drift_drifted_features_ratio gauge'];
  for (const [model, [ratio]] of Object.entries(SIM_DRIFT)) {
    lines.push(`modelwatch_drift_drifted_features_ratio${labelText({ model, window: '1h' })} ${ratio}`);
  }
  lines.push('# TYPE modelwatch_drift_dataset_detected gauge');
  for (const [model, [, detected]] of Object.entries(SIM_DRIFT)) {
    lines.push(`modelwatch_drift_dataset_detected${labelText({ model, window: '1h' })} ${detected}`);
  }
  return `${lines.join('\n')}\n`;
}

import { describe, expect, it } from 'vitest';
import { combineWorkerExpositions } from '@modelwatch/sidecar';

const worker = (requests: number, inFlight: number, start: number, lag: number, bucket: number) => `# HELP modelwatch_model_info Always 1.
# TYPE modelwatch_model_info gauge
modelwatch_model_info{model="m",mode="oip"} 1
# HELP modelwatch_requests_total Inference requests handled.
# TYPE modelwatch_requests_total counter
modelwatch_requests_total{model="m",outcome="success"} ${requests}
# HELP modelwatch_requests_in_flight In flight.
# TYPE modelwatch_requests_in_flight gauge
modelwatch_requests_in_flight{model="m"} ${inFlight}
# HELP process_start_time_seconds Start time.
# TYPE process_start_time_seconds gauge
process_start_time_seconds ${start}
# HELP nodejs_eventloop_lag_seconds Lag.
# TYPE nodejs_eventloop_lag_seconds gauge
nodejs_eventloop_lag_seconds ${lag}
# HELP modelwatch_request_size_bytes Size.
# TYPE modelwatch_request_size_bytes histogram
modelwatch_request_size_bytes_bucket{model="m",le="100"} ${bucket}
modelwatch_request_size_bytes_bucket{model="m",le="+Inf"} ${requests}
modelwatch_request_size_bytes_sum{model="m"} ${requests * 50}
modelwatch_request_size_bytes_count{model="m"} ${requests}
`;

describe('combineWorkerExpositions', () => {
  const merged = combineWorkerExpositions([worker(3, 1, 1000, 0.01, 2), worker(5, 0, 990, 0.03, 4)]);
  const value = (series: string) => Number(merged.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ').pop());

  it('adds up counters, histogram series and amount gauges across workers', () => {
    expect(value('modelwatch_requests_total{model="m",outcome="success"}')).toBe(8);
    expect(value('modelwatch_request_size_bytes_bucket{model="m",le="100"}')).toBe(6);
    expect(value('modelwatch_request_size_bytes_bucket{model="m",le="+Inf"}')).toBe(8);
    expect(value('modelwatch_request_size_bytes_sum{model="m"}')).toBe(400);
    expect(value('modelwatch_requests_in_flight{model="m"}')).toBe(1);
  });

  it('keeps state gauges as states: info stays 1, the earliest start time, the worst event-loop lag', () => {
    expect(value('modelwatch_model_info{model="m",mode="oip"}')).toBe(1);
    expect(value('process_start_time_seconds')).toBe(990);
    expect(value('nodejs_eventloop_lag_seconds')).toBe(0.03);
  });

  it('writes each HELP and TYPE line once, families in first-seen order', () => {
    expect(merged.match(/# TYPE modelwatch_requests_total counter/g)).toHaveLength(1);
    const types = [...merged.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(types).toEqual(['modelwatch_model_info', 'modelwatch_requests_total', 'modelwatch_requests_in_flight', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'modelwatch_request_size_bytes']);
  });
});

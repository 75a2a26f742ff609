import type { DataFrame } from '@grafana/data';

interface VectorSample { metric: Record<string, string>; value: [number, string] }
interface QueryResponse { status: string; data: { resultType: string; result: VectorSample[] } }

/**
 * Prometheus /api/v1/query (instant vector) responses → the frames Grafana's Prometheus datasource
 * gives a panel for instant queries in time-series format: one frame per series, a Time field and a
 * Value field carrying the series labels (without __name__), tagged with the query's refId.
 */
export function promResponsesToFrames(responses: Record<string, QueryResponse>): DataFrame[] {
  const frames: DataFrame[] = [];
  for (const [refId, response] of Object.entries(responses)) {
    if (response.status !== 'success' || response.data.resultType !== 'vector') {
      throw new Error(`${refId}: expected a successful instant vector response`);
    }
    for (const { metric, value } of response.data.result) {
      const { __name__: name, ...labels } = metric;
      frames.push({
        refId,
        name,
        length: 1,
        fields: [
          { name: 'Time', type: 'time' as DataFrame['fields'][number]['type'], config: {}, values: [value[0] * 1000] },
          { name: 'Value', type: 'number' as DataFrame['fields'][number]['type'], config: {}, labels, values: [sampleValue(value[1])] },
        ],
      });
    }
  }
  return frames;
}

/** Prometheus writes infinities as +Inf/-Inf, which Number() does not parse. */
function sampleValue(v: string): number {
  return v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
}

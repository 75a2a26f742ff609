import { formatMessage, SourceErrors, type ErrorSpec, type WindowQueryOutcomeValue } from '@modelwatch/core';
import { WindowError } from './window-source.js';
import type { EvaluationErrorReason } from '../drift/drift-metrics.js';

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** What became of one instant query, for the collector's health counter. */
export type QueryOutcome = Exclude<WindowQueryOutcomeValue, 'split'>;

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: VectorSample[] };
}

/**
 * Engine answers that mean "this query selects too much", which a smaller query can avoid:
 * Prometheus' sample limit (422 execution error), VictoriaMetrics' -search.maxUniqueTimeseries
 * (422, "the number of matching timeseries exceeds N; either narrow down the search…"), Mimir's and
 * Thanos' series/chunk limits (422). Matched on the message because the
 * engines share only the status code, and 422 also covers errors no split can fix.
 */
const TOO_LARGE = /too many|exceed|maxUniqueTimeseries|max.?series|series limit|limit of|narrow down/i;
/**
 * A server-side timeout (the `timeout` parameter or the engine's own limit). Checked before
 * TOO_LARGE: VictoriaMetrics answers its timeout with HTTP 422 too ("timeout exceeded during the
 * query: … -search.maxQueryDuration"), which "exceed" alone would take for a series limit and split
 * into ever smaller queries that each wait out the timeout again.
 */
const ENGINE_TIMEOUT = /timeout|timed out|deadline exceeded/i;

/**
 * One HTTP instant query against a Prometheus-API engine (Prometheus, Thanos, Mimir,
 * VictoriaMetrics). Failures are told apart, because each calls for a different fix: the engine is
 * down (`prometheus_unreachable`), it is up but too slow for the timeout (`prometheus_timeout`),
 * the query is too large for its limits (`query_too_large`, which the caller splits), or it
 * answered with some other error (`prometheus_error`).
 */
export class PrometheusQueryClient {
  /** The engine gets this much less than the client waits, so its own timeout answer arrives first. */
  private readonly engineTimeoutMs: number;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly headers: Record<string, string>,
    private readonly observe: (outcome: QueryOutcome) => void = () => {},
  ) {
    this.engineTimeoutMs = Math.max(1, timeoutMs - Math.min(1_000, Math.floor(timeoutMs / 10)));
  }

  async query(promql: string, endMs: number, signal?: AbortSignal): Promise<VectorSample[]> {
    const params = new URLSearchParams({ query: promql, time: String(endMs / 1000), timeout: `${this.engineTimeoutMs}ms` });
    const url = `${this.baseUrl}/api/v1/query`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    let body: ApiBody;
    try {
      // POST: a split query's feature list can outgrow a URL; every Prometheus-API engine takes a form body.
      res = await fetch(url, {
        method: 'POST',
        headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: params,
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      body = await res.json().catch(() => ({ status: 'not_json' }) as ApiBody);
    } catch (err) {
      if (signal?.aborted) throw this.fail('cancelled', 'round_budget', SourceErrors.roundBudget, { detail: String(signal.reason ?? 'aborted') });
      if (timeout.aborted) throw this.fail('timeout', 'prometheus_timeout', SourceErrors.timeout, { source: this.baseUrl, ms: this.timeoutMs });
      throw this.fail('unreachable', 'prometheus_unreachable', SourceErrors.unreachable, { source: this.baseUrl, detail: (err as Error).message });
    }
    if (body.status === 'not_json') {
      throw this.fail('error', 'prometheus_error', SourceErrors.engineError, { source: this.baseUrl, status: res.status, detail: 'the body is not JSON' });
    }
    if (body.status !== 'success' || body.data?.resultType !== 'vector' || !Array.isArray(body.data.result)) {
      const detail = body.error ?? 'unexpected response';
      if (body.errorType === 'timeout' || ((res.status === 503 || res.status === 422) && ENGINE_TIMEOUT.test(detail))) {
        throw this.fail('timeout', 'prometheus_timeout', SourceErrors.timeout, { source: this.baseUrl, ms: this.engineTimeoutMs });
      }
      if (res.status === 422 && TOO_LARGE.test(detail)) {
        throw this.fail('too_large', 'query_too_large', SourceErrors.tooLarge, { source: this.baseUrl, detail });
      }
      throw this.fail('error', 'prometheus_error', SourceErrors.engineError, { source: this.baseUrl, status: res.status, detail });
    }
    this.observe('ok');
    return body.data.result;
  }

  private fail(outcome: QueryOutcome, reason: EvaluationErrorReason, spec: ErrorSpec, params: Record<string, string | number>): WindowError {
    this.observe(outcome);
    return new WindowError(reason, formatMessage(spec.message, params), spec.code);
  }
}

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  TraceFlags,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetector, detectResources, resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_USER_AGENT_ORIGINAL,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';

/** Response header carrying the trace id, so a user can find the trace of a bad prediction. */
export const TRACE_ID_HEADER = 'x-modelwatch-trace-id';

/** W3C traceparent, version 00: trace id, parent span id, flags. Compiled once. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE = '00000000000000000000000000000000';
const INVALID_SPAN = '0000000000000000';

export interface ServerSpan {
  span: Span;
  traceId: string;
  /** `00-<trace>-<span>-01`: what the upstream call carries (its parent is this server span). */
  traceparent: string;
}

export interface TracerOptions {
  /**
   * Head sampling of requests that arrive without a sampled parent, 0..1 (default 1: every request).
   * Parent-based: an incoming traceparent's sampled flag decides for its request.
   */
  sampleRatio?: number;
}

/**
 * One span per inference call, with explicit context passing (no async-hooks context manager on
 * the hot path). What used to be child spans (parse, model run, upstream call) are events and
 * attributes of that span: a child span costs about as much as the server span itself (measured
 * in bench/sidecar/telemetry-cost.ts), an event a fraction. The upstream is handed this span's
 * context as its parent, so the model server's own spans still nest under it.
 * Decided once: when tracing is off every method is a cheap no-op returning undefined; head
 * sampling is decided before any span object exists.
 */
export class RequestTracer {
  private readonly tracer: Tracer | undefined;
  private readonly ratio: number;

  constructor(
    provider: TracerProvider | undefined,
    private readonly modelAttributes: Attributes,
    private readonly owned?: { shutdown(): Promise<void> },
    options: TracerOptions = {},
  ) {
    this.tracer = provider?.getTracer('@modelwatch/sidecar');
    this.ratio = options.sampleRatio ?? 1;
  }

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  startServer(method: string, route: string, path: string, headers: IncomingHttpHeaders, httpVersion = '1.1'): ServerSpan | undefined {
    if (!this.tracer) return undefined;
    let parent = ROOT_CONTEXT;
    const incoming = headers.traceparent;
    const m = typeof incoming === 'string' ? TRACEPARENT.exec(incoming) : null;
    if (m && m[1] !== INVALID_TRACE && m[2] !== INVALID_SPAN) {
      const flags = parseInt(m[3], 16);
      // Parent-based: the caller already decided for this trace.
      if ((flags & TraceFlags.SAMPLED) === 0) return undefined;
      parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: m[1], spanId: m[2], traceFlags: flags, isRemote: true });
    } else if (this.ratio < 1 && Math.random() >= this.ratio) return undefined;
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_HTTP_ROUTE]: route,
      [ATTR_URL_PATH]: path,
      [ATTR_URL_SCHEME]: 'http',
      [ATTR_NETWORK_PROTOCOL_VERSION]: httpVersion,
    };
    for (const k in this.modelAttributes) attributes[k] = this.modelAttributes[k];
    const ua = headers['user-agent'];
    if (ua) attributes[ATTR_USER_AGENT_ORIGINAL] = ua;
    const span = this.tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes }, parent);
    const ctx = span.spanContext();
    return { span, traceId: ctx.traceId, traceparent: `00-${ctx.traceId}-${ctx.spanId}-01` };
  }

  /** A step of the call (parse, model run, upstream answer) as an event on the server span. */
  event(server: ServerSpan | undefined, name: string, attributes?: Attributes): void {
    server?.span.addEvent(name, attributes);
  }

  /** Writes `traceparent` for the upstream call: its parent is the server span. */
  inject(server: ServerSpan | undefined, headers: OutgoingHttpHeaders): void {
    if (server) headers.traceparent = server.traceparent;
  }

  endServer(server: ServerSpan | undefined, status: number, errorType?: string): void {
    if (!server) return;
    server.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) {
      server.span.setAttribute(ATTR_ERROR_TYPE, errorType ?? String(status));
      server.span.setStatus({ code: SpanStatusCode.ERROR });
    } else if (errorType) {
      // 4xx are the client's fault: recorded, but the server span stays unset (semconv).
      server.span.setAttribute(ATTR_ERROR_TYPE, errorType);
    }
    server.span.end();
  }

  /**
   * Flushes and stops the owned provider. An OTLP endpoint that is down makes the flush reject:
   * that is reported to `onError`, never thrown, so the sidecar still closes cleanly; a hanging
   * endpoint is waited for at most `timeoutMs`.
   */
  async shutdown(onError: (err: Error) => void = () => {}, timeoutMs = 5_000): Promise<void> {
    if (!this.owned) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        onError(new Error(`trace export did not finish within ${timeoutMs} ms`));
        resolve();
      }, timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([this.owned.shutdown().catch((err: unknown) => onError(err as Error)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Wraps an exporter so every failed batch is reported (issue 12, item 9: an OTLP endpoint that
 * is down or hanging used to fail silently). The report must not throw: it runs in the export
 * callback, far from any request.
 */
export class ReportingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly onFailure: (spans: number, error: Error | undefined) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        try {
          this.onFailure(spans.length, result.error);
        } catch {
          // reporting is best effort
        }
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * Tracer provider from the standard OTEL_* variables: OTLP/HTTP to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT; none when OTEL_TRACES_EXPORTER=none or no endpoint is set.
 * `onExportFailure` hears of every batch the endpoint did not take.
 */
export function tracerProviderFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  onExportFailure: (spans: number, error: Error | undefined) => void = () => {},
): BasicTracerProvider | undefined {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((s) => s.trim());
  if (!exporters.includes('otlp')) return undefined;
  if (!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? 'modelwatch-sidecar' })
    .merge(detectResources({ detectors: [envDetector] }));
  // BatchSpanProcessor: bounded queue that drops (and counts) when full, timers unref'ed.
  const exporter = new ReportingExporter(new OTLPTraceExporter(), onExportFailure);
  // Sampling is decided by RequestTracer before a span exists (cheaper than the SDK's sampler).
  return new BasicTracerProvider({ resource, sampler: new AlwaysOnSampler(), spanProcessors: [new BatchSpanProcessor(exporter)] });
}

/**
 * The head-sampling ratio: the configured one, else OTEL_TRACES_SAMPLER_ARG when OTEL_TRACES_SAMPLER
 * is a trace-id-ratio sampler, else 1 (every request that has no unsampled parent).
 */
export function sampleRatioFromEnv(configured: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (configured !== undefined) return configured;
  const sampler = env.OTEL_TRACES_SAMPLER;
  if (sampler === 'always_off' || sampler === 'parentbased_always_off') return 0;
  if (sampler === 'traceidratio' || sampler === 'parentbased_traceidratio') {
    const arg = Number(env.OTEL_TRACES_SAMPLER_ARG);
    if (Number.isFinite(arg) && arg >= 0 && arg <= 1) return arg;
  }
  return 1;
}

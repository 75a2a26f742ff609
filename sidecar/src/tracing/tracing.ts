import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetector, detectResources, resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
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

const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

export interface ServerSpan {
  span: Span;
  context: Context;
  traceId: string;
}

/**
 * Per-request spans with explicit context passing (no async-hooks context manager on the hot
 * path). Decided once: when tracing is off every method is a cheap no-op returning undefined.
 */
export class RequestTracer {
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly tracer: Tracer | undefined;

  constructor(
    provider: TracerProvider | undefined,
    private readonly modelAttributes: Attributes,
    private readonly owned?: { shutdown(): Promise<void> },
  ) {
    this.tracer = provider?.getTracer('@modelwatch/sidecar');
  }

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  startServer(method: string, route: string, path: string, headers: IncomingHttpHeaders, httpVersion = '1.1'): ServerSpan | undefined {
    if (!this.tracer) return undefined;
    const parent = headers.traceparent ? this.propagator.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
    const span = this.tracer.startSpan(`${method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_HTTP_ROUTE]: route,
        [ATTR_URL_PATH]: path,
        [ATTR_URL_SCHEME]: 'http',
        [ATTR_NETWORK_PROTOCOL_VERSION]: httpVersion,
        ...(headers['user-agent'] ? { [ATTR_USER_AGENT_ORIGINAL]: headers['user-agent'] } : {}),
        ...this.modelAttributes,
      },
    }, parent);
    return { span, context: trace.setSpan(parent, span), traceId: span.spanContext().traceId };
  }

  child(server: ServerSpan | undefined, name: string, kind: SpanKind = SpanKind.INTERNAL, attributes?: Attributes): Span | undefined {
    if (!server || !this.tracer) return undefined;
    return this.tracer.startSpan(name, { kind, attributes: { ...this.modelAttributes, ...attributes } }, server.context);
  }

  /** Writes `traceparent` for the upstream call, as a child of `span` (the client span). */
  inject(server: ServerSpan | undefined, span: Span | undefined, headers: OutgoingHttpHeaders): void {
    if (!server || !span) return;
    this.propagator.inject(trace.setSpan(server.context, span), headers, {
      set: (carrier, key, value) => {
        carrier[key] = value;
      },
    });
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

  async shutdown(): Promise<void> {
    await this.owned?.shutdown();
  }
}

/** Ends a child span, marking it failed when `error` is set. Safe on undefined. */
export function endSpan(span: Span | undefined, error?: string): void {
  if (!span) return;
  if (error) {
    span.setAttribute(ATTR_ERROR_TYPE, error);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
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
  return new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
}

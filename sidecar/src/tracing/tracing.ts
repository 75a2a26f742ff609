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
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_USER_AGENT_ORIGINAL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import { BatchOtlpExporter } from './otlp-exporter.js';
import { otlpOptionsFromEnv } from './otlp-env.js';
import { nowMs, OtlpTracerProvider } from './otlp-tracer-provider.js';
import { ProtoWriter } from './proto-writer.js';
import { ConstantAttributes, OtlpSpanKind, OtlpStatusCode, SpanRecord, writeAttributes } from './span-record.js';

/** Response header carrying the trace id, so a user can find the trace of a bad prediction. */
export const TRACE_ID_HEADER = 'x-modelwatch-trace-id';

/** W3C traceparent, version 00: trace id, parent span id, flags. Compiled once. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE = '00000000000000000000000000000000';
const INVALID_SPAN = '0000000000000000';

/** The server span of one call, whatever records it: what handlers and headers need of it. */
export interface ServerSpan {
  readonly traceId: string;
  /** `00-<trace>-<span>-01`: what the upstream call carries (its parent is this server span). */
  readonly traceparent: string;
}

export interface TracerOptions {
  /**
   * Head sampling of requests that arrive without a sampled parent, 0..1 (default 1: every request).
   * Parent-based: an incoming traceparent's sampled flag decides for its request.
   */
  sampleRatio?: number;
}

/** A parsed incoming `traceparent`: the remote parent, `false` when it says "not sampled", undefined when absent or invalid. */
type Parent = { traceId: string; spanId: string; flags: number } | false | undefined;

function incomingParent(headers: IncomingHttpHeaders): Parent {
  const incoming = headers.traceparent;
  const m = typeof incoming === 'string' ? TRACEPARENT.exec(incoming) : null;
  if (!m || m[1] === INVALID_TRACE || m[2] === INVALID_SPAN) return undefined;
  const flags = parseInt(m[3], 16);
  return (flags & TraceFlags.SAMPLED) === 0 ? false : { traceId: m[1], spanId: m[2], flags };
}

/** What records the server spans: span records for our OTLP exporter, or SDK spans for any other provider. */
interface Backend<S extends ServerSpan> {
  start(parent: Parent, method: string, route: string, path: string, headers: IncomingHttpHeaders, httpVersion: string): S;
  event(span: S, name: string, attributes?: Attributes): void;
  end(span: S, status: number, errorType: string | undefined): void;
}

/**
 * Spans as plain records queued for our OTLP encoder (the provider tracerProviderFromEnv builds):
 * no SDK span object, the model's attributes encoded once, ids hex from a random pool. About a
 * third of the SDK span's cost on the request path and a fraction of its export cost
 * (bench/sidecar/telemetry-cost.ts).
 */
class RecordBackend implements Backend<SpanRecord> {
  private readonly constant: ConstantAttributes;
  private readonly blocks = new ServerAttributeBlocks();
  /** The span name of the last method and route: one string for all spans of a route. */
  private lastName = { method: '', route: '', name: '' };

  constructor(
    private readonly provider: OtlpTracerProvider,
    modelAttributes: Attributes,
  ) {
    this.constant = new ConstantAttributes({ ...modelAttributes, [ATTR_URL_SCHEME]: 'http' });
  }

  start(parent: Parent, method: string, route: string, path: string, headers: IncomingHttpHeaders, httpVersion: string): SpanRecord {
    const ids = this.provider.ids;
    // Every key present from the start (undefined until known): one object shape for all spans.
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_HTTP_ROUTE]: route,
      [ATTR_URL_PATH]: path,
      [ATTR_NETWORK_PROTOCOL_VERSION]: httpVersion,
      [ATTR_USER_AGENT_ORIGINAL]: headers['user-agent'],
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: undefined,
      [ATTR_ERROR_TYPE]: undefined,
    };
    return new SpanRecord(
      parent ? parent.traceId : ids.traceId(),
      ids.spanId(),
      parent ? parent.spanId : undefined,
      this.spanName(method, route),
      OtlpSpanKind.server,
      nowMs(),
      attributes,
      this.constant,
    );
  }

  private spanName(method: string, route: string): string {
    const last = this.lastName;
    if (last.method === method && last.route === route) return last.name;
    this.lastName = { method, route, name: `${method} ${route}` };
    return this.lastName.name;
  }

  event(span: SpanRecord, name: string, attributes?: Attributes): void {
    span.addEvent(name, nowMs(), attributes);
  }

  end(span: SpanRecord, status: number, errorType: string | undefined): void {
    const a = span.attributes as Record<string, string | number | undefined>;
    a[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    if (status >= 500) {
      a[ATTR_ERROR_TYPE] = errorType ?? String(status);
      span.statusCode = OtlpStatusCode.error;
    } else if (errorType) {
      // 4xx are the client's fault: recorded, but the server span stays unset (semconv).
      a[ATTR_ERROR_TYPE] = errorType;
    }
    span.encoded = this.blocks.encoded(span.attributes);
    span.endMs = nowMs();
    this.provider.record(span);
  }
}

/** The attributes RecordBackend sets on a server span (all of them: the block cache compares these). */
const SERVER_KEYS = [
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_ROUTE, ATTR_URL_PATH, ATTR_NETWORK_PROTOCOL_VERSION, ATTR_USER_AGENT_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_ERROR_TYPE,
] as const;

/**
 * The HTTP attributes of server spans, encoded once per distinct set: under steady traffic every
 * span has the same method, route, path, protocol version, user agent and status, so encoding
 * them (about half of a span's encoding, profiled) becomes one comparison with the last set.
 * Bounded: the map is cleared when full, so request-derived paths cannot grow it.
 */
class ServerAttributeBlocks {
  private last: Attributes | undefined;
  private lastBytes: Uint8Array | undefined;
  private readonly byKey = new Map<string, Uint8Array>();
  private readonly writer = new ProtoWriter(512);

  encoded(a: Attributes): Uint8Array {
    const last = this.last;
    if (last !== undefined) {
      let same = true;
      for (let i = 0; i < SERVER_KEYS.length && same; i++) same = last[SERVER_KEYS[i]] === a[SERVER_KEYS[i]];
      if (same) return this.lastBytes!;
    }
    // Header values cannot hold a newline: it separates the parts unambiguously.
    const k = SERVER_KEYS.map((key) => a[key] ?? '').join('\n');
    let bytes = this.byKey.get(k);
    if (bytes === undefined) {
      this.writer.reset();
      writeAttributes(this.writer, 9, a);
      bytes = Uint8Array.prototype.slice.call(this.writer.bytes());
      if (this.byKey.size >= 256) this.byKey.clear();
      this.byKey.set(k, bytes);
    }
    this.last = a;
    this.lastBytes = bytes;
    return bytes;
  }
}

interface SdkServerSpan extends ServerSpan {
  readonly span: Span;
}

/** SDK spans, for a provider given by the embedding application or a test (e.g. an InMemorySpanExporter). */
class SdkBackend implements Backend<SdkServerSpan> {
  constructor(
    private readonly tracer: Tracer,
    private readonly modelAttributes: Attributes,
  ) {}

  start(parent: Parent, method: string, route: string, path: string, headers: IncomingHttpHeaders, httpVersion: string): SdkServerSpan {
    const ctx = parent ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.flags, isRemote: true }) : ROOT_CONTEXT;
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
    const span = this.tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes }, ctx);
    const sc = span.spanContext();
    return { span, traceId: sc.traceId, traceparent: `00-${sc.traceId}-${sc.spanId}-01` };
  }

  event(server: SdkServerSpan, name: string, attributes?: Attributes): void {
    server.span.addEvent(name, attributes);
  }

  end(server: SdkServerSpan, status: number, errorType: string | undefined): void {
    server.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) {
      server.span.setAttribute(ATTR_ERROR_TYPE, errorType ?? String(status));
      server.span.setStatus({ code: SpanStatusCode.ERROR });
    } else if (errorType) {
      server.span.setAttribute(ATTR_ERROR_TYPE, errorType);
    }
    server.span.end();
  }
}

/**
 * One span per inference call, with explicit context passing (no async-hooks context manager on
 * the hot path). What used to be child spans (parse, model run, upstream call) are events and
 * attributes of that span: a child span costs about as much as the server span itself (measured
 * in bench/sidecar/telemetry-cost.ts), an event a fraction. The upstream is handed this span's
 * context as its parent, so the model server's own spans still nest under it.
 * Decided once: with tracing off every method is a cheap no-op returning undefined; with the
 * provider from tracerProviderFromEnv spans are plain records for our OTLP encoder, with any other
 * provider SDK spans; head sampling is decided before anything is allocated.
 */
export class RequestTracer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly backend: Backend<any> | undefined;
  private readonly ratio: number;

  constructor(
    provider: TracerProvider | undefined,
    modelAttributes: Attributes,
    private readonly owned?: { shutdown(): Promise<void> },
    options: TracerOptions = {},
  ) {
    this.backend = provider === undefined ? undefined
      : provider instanceof OtlpTracerProvider ? new RecordBackend(provider, modelAttributes)
      : new SdkBackend(provider.getTracer('@modelwatch/sidecar'), modelAttributes);
    this.ratio = options.sampleRatio ?? 1;
  }

  get enabled(): boolean {
    return this.backend !== undefined;
  }

  startServer(method: string, route: string, path: string, headers: IncomingHttpHeaders, httpVersion = '1.1'): ServerSpan | undefined {
    if (!this.backend) return undefined;
    const parent = incomingParent(headers);
    // Parent-based: the caller already decided for this trace.
    if (parent === false) return undefined;
    if (parent === undefined && this.ratio < 1 && Math.random() >= this.ratio) return undefined;
    return this.backend.start(parent, method, route, path, headers, httpVersion);
  }

  /** A step of the call (parse, model run, upstream answer) as an event on the server span. */
  event(server: ServerSpan | undefined, name: string, attributes?: Attributes): void {
    if (server) this.backend!.event(server, name, attributes);
  }

  /** Writes `traceparent` for the upstream call: its parent is the server span. */
  inject(server: ServerSpan | undefined, headers: OutgoingHttpHeaders): void {
    if (server) headers.traceparent = server.traceparent;
  }

  endServer(server: ServerSpan | undefined, status: number, errorType?: string): void {
    if (server) this.backend!.end(server, status, errorType);
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
 * Tracer provider from the standard OTEL_* variables (sidecar/src/tracing/otlp-env.ts): OTLP/HTTP,
 * protobuf by default or JSON (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL), to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * or OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces; none when OTEL_TRACES_EXPORTER=none or no endpoint is set.
 * `onExportFailure` hears of every batch the endpoint did not take, `onDropped` of spans the full
 * queue refused. A variable that is set but wrong throws a ConfigError.
 */
export function tracerProviderFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  onExportFailure: (spans: number, error: Error | undefined) => void = () => {},
  onDropped: (spans: number) => void = () => {},
): OtlpTracerProvider | undefined {
  const options = otlpOptionsFromEnv(env);
  if (!options) return undefined;
  return new OtlpTracerProvider(new BatchOtlpExporter({ ...options, onExportFailure, onDropped }));
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

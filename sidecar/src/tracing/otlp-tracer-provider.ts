import { performance } from 'node:perf_hooks';
import {
  context as apiContext,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type Context,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { BatchOtlpExporter } from './otlp-exporter.js';
import { IdGenerator } from './id-generator.js';
import { SpanRecord } from './span-record.js';

/** Read once: `performance.timeOrigin` is a getter that calls into the runtime. */
const ORIGIN = performance.timeOrigin;

/** Epoch milliseconds now, from the monotonic clock (as the OTel SDK takes its span times). */
export function nowMs(): number {
  return ORIGIN + performance.now();
}

/** An API TimeInput as epoch milliseconds (numbers below timeOrigin are performance.now() values, as in the SDK). */
function toEpochMs(t: TimeInput | undefined): number {
  if (t === undefined) return nowMs();
  if (typeof t === 'number') return t < ORIGIN ? ORIGIN + t : t;
  if (t instanceof Date) return t.getTime();
  return t[0] * 1000 + t[1] / 1e6;
}

/**
 * The tracer provider `tracerProviderFromEnv` builds: spans are plain records handed to a
 * BatchOtlpExporter (our OTLP encoder), not SDK span objects. RequestTracer records into it
 * directly (`record`); `getTracer` serves the OpenTelemetry API for anything else.
 */
export class OtlpTracerProvider implements TracerProvider {
  readonly ids = new IdGenerator();

  constructor(readonly exporter: BatchOtlpExporter) {}

  /** One tracer for every name: spans carry the sidecar's one instrumentation scope. */
  getTracer(_name?: string, _version?: string): Tracer {
    return new RecordTracer(this);
  }

  /** Queues a finished span for export. */
  record(span: SpanRecord): void {
    this.exporter.add(span);
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }
}

/** OpenTelemetry API tracer over span records: parent-based, always on, no async context manager needed. */
class RecordTracer implements Tracer {
  constructor(private readonly provider: OtlpTracerProvider) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = apiContext.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx);
    const valid = parent !== undefined && isSpanContextValid(parent);
    if (valid && (parent.traceFlags & TraceFlags.SAMPLED) === 0) return trace.wrapSpanContext(parent);
    const ids = this.provider.ids;
    const record = new SpanRecord(
      valid ? parent.traceId : ids.traceId(),
      ids.spanId(),
      valid ? parent.spanId : undefined,
      name,
      (options.kind ?? SpanKind.INTERNAL) + 1,
      toEpochMs(options.startTime),
      { ...options.attributes },
      undefined,
      TraceFlags.SAMPLED,
      valid ? parent.traceState?.serialize() : undefined,
    );
    return new RecordSpan(record, this.provider, parent?.traceState);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.pop() as F;
    const [options, ctx] = rest as [SpanOptions | undefined, Context | undefined];
    const parentCtx = ctx ?? apiContext.active();
    const span = this.startSpan(name, options, parentCtx);
    return apiContext.with(trace.setSpan(parentCtx, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }
}

/** An API span writing into a SpanRecord; exported when it ends. */
class RecordSpan implements Span {
  private ended = false;

  constructor(
    private readonly record: SpanRecord,
    private readonly provider: OtlpTracerProvider,
    private readonly traceState: SpanContext['traceState'],
  ) {}

  spanContext(): SpanContext {
    return { traceId: this.record.traceId, spanId: this.record.spanId, traceFlags: TraceFlags.SAMPLED, ...(this.traceState ? { traceState: this.traceState } : {}) };
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended) (this.record.attributes as Record<string, AttributeValue>)[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const k in attributes) {
      const v = attributes[k];
      if (v !== undefined) this.setAttribute(k, v);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const isTime = typeof attributesOrTime === 'number' || attributesOrTime instanceof Date || Array.isArray(attributesOrTime);
    this.record.addEvent(name, toEpochMs(isTime ? (attributesOrTime as TimeInput) : time), isTime ? undefined : (attributesOrTime as Attributes | undefined));
    return this;
  }

  /** Links are not exported (the sidecar makes none); they are counted in the span's dropped links. */
  addLink(_link: Link): this {
    this.record.droppedLinks++;
    return this;
  }

  addLinks(links: Link[]): this {
    this.record.droppedLinks += links.length;
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended) return this;
    this.record.statusCode = status.code === SpanStatusCode.ERROR ? 2 : status.code === SpanStatusCode.OK ? 1 : 0;
    this.record.statusMessage = status.code === SpanStatusCode.ERROR ? status.message : undefined;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.record.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.record.endMs = toEpochMs(endTime);
    this.provider.record(this.record);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const e = typeof exception === 'string' ? { message: exception } : exception;
    this.addEvent('exception', {
      'exception.type': (e as Error).name ?? (e as { code?: string | number }).code?.toString(),
      'exception.message': e.message,
      'exception.stacktrace': (e as Error).stack,
    }, time);
  }
}

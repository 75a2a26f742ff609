import type { Attributes } from '@opentelemetry/api';
import { ProtoWriter } from './proto-writer.js';
import { jsonKeyValues } from './json-attributes.js';
import { writeAttributes, type SpanRecord } from './span-record.js';

/**
 * OTLP trace encodings of span records: `ExportTraceServiceRequest` as protobuf
 * (opentelemetry/proto/collector/trace/v1/trace_service.proto; field numbers in the comments)
 * and as OTLP/JSON (hex ids, enums as numbers, 64-bit integers as decimal strings).
 * One resource and one instrumentation scope per request: a sidecar process has exactly one.
 */
export interface TraceEnvelope {
  readonly resource: Attributes;
  readonly scopeName: string;
  readonly scopeVersion?: string;
}

/** The resource and scope encoded once; each batch starts with these bytes. */
export class ProtobufEnvelope {
  /** ResourceSpans.resource (field 1) and ScopeSpans.scope (field 1), tag and length included. */
  readonly resource: Uint8Array;
  readonly scope: Uint8Array;

  constructor(readonly envelope: TraceEnvelope) {
    const w = new ProtoWriter(1024);
    const r = w.begin(1); // ResourceSpans.resource
    writeAttributes(w, 1, envelope.resource); // Resource.attributes
    w.end(r);
    this.resource = Uint8Array.prototype.slice.call(w.bytes());
    w.reset();
    const s = w.begin(1); // ScopeSpans.scope
    w.string(1, envelope.scopeName); // InstrumentationScope.name
    if (envelope.scopeVersion) w.string(2, envelope.scopeVersion);
    w.end(s);
    this.scope = Uint8Array.prototype.slice.call(w.bytes());
  }
}

/**
 * What comes before `spansBytes` bytes of encoded spans (writeSpan) to make one
 * ExportTraceServiceRequest: the resource_spans tag and length, the resource, the scope_spans tag
 * and length, the scope. Lets spans be encoded as they end, the envelope only when the batch leaves.
 */
export function protobufHeader(w: ProtoWriter, env: ProtobufEnvelope, spansBytes: number): Buffer {
  w.reset();
  const scopeSpans = env.scope.length + spansBytes;
  const resourceSpans = env.resource.length + 1 + varintSize(scopeSpans) + scopeSpans;
  w.tag(1, 2); // ExportTraceServiceRequest.resource_spans
  w.varint(resourceSpans);
  w.raw(env.resource);
  w.tag(2, 2); // ResourceSpans.scope_spans
  w.varint(scopeSpans);
  w.raw(env.scope);
  return w.bytes();
}

function varintSize(v: number): number {
  let n = 1;
  while (v > 127) {
    v >>>= 7;
    n++;
  }
  return n;
}

/** Encodes `spans[from..to)` as one ExportTraceServiceRequest into `w` (reset first). */
export function encodeProtobuf(w: ProtoWriter, env: ProtobufEnvelope, spans: readonly SpanRecord[], from = 0, to = spans.length): Buffer {
  w.reset();
  const rs = w.begin(1); // ExportTraceServiceRequest.resource_spans
  w.raw(env.resource);
  const ss = w.begin(2); // ResourceSpans.scope_spans
  w.raw(env.scope);
  for (let i = from; i < to; i++) writeSpan(w, spans[i]);
  w.end(ss);
  w.end(rs);
  return w.bytes();
}

/** Writes one span as ScopeSpans.spans (field 2): a batch is these, one after the other, behind protobufHeader(). */
export function writeSpan(w: ProtoWriter, s: SpanRecord): void {
  // A span is a few hundred bytes: its length is reserved as two bytes (no body moved at the end).
  const span = w.beginSized(2); // ScopeSpans.spans
  w.hexBytes(1, s.traceId);
  w.hexBytes(2, s.spanId);
  if (s.traceState) w.string(3, s.traceState);
  if (s.parentSpanId) w.hexBytes(4, s.parentSpanId);
  w.cachedString(5, s.name);
  w.tag(6, 0);
  w.varint(s.kind);
  w.timeNanos(7, s.startMs);
  w.timeNanos(8, s.endMs);
  if (s.constant) w.raw(s.constant.proto); // Span.attributes (field 9), encoded once per tracer
  if (s.encoded) w.raw(s.encoded);
  else writeAttributes(w, 9, s.attributes);
  const events = s.events;
  if (events) {
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const ev = w.begin(11); // Span.events
      w.timeNanos(1, e.timeMs);
      w.cachedString(2, e.name);
      writeAttributes(w, 3, e.attributes);
      w.end(ev);
    }
  }
  if (s.droppedLinks > 0) {
    w.tag(14, 0); // Span.dropped_links_count
    w.varint(s.droppedLinks);
  }
  if (s.statusCode !== 0 || s.statusMessage) {
    const st = w.begin(15); // Span.status
    if (s.statusMessage) w.string(2, s.statusMessage);
    if (s.statusCode !== 0) {
      w.tag(3, 0);
      w.varint(s.statusCode);
    }
    w.end(st);
  }
  w.endSized(span);
}

/** Unix nanoseconds as the decimal string OTLP/JSON wants, from epoch milliseconds. */
export function nanosString(epochMs: number): string {
  let s = Math.floor(epochMs / 1000);
  let n = Math.round((epochMs - s * 1000) * 1e6);
  if (n >= 1e9) {
    s += 1;
    n -= 1e9;
  }
  return s === 0 ? String(n) : `${s}${String(n).padStart(9, '0')}`;
}

/**
 * One span as OTLP/JSON (an element of scopeSpans[].spans), written as a string rather than an
 * object graph for JSON.stringify: a third of the cost, and the model's attributes come as one
 * fragment made once per tracer.
 */
export function jsonSpan(s: SpanRecord): string {
  const constant = s.constant ? s.constant.json : '';
  const dynamic = jsonKeyValues(s.attributes);
  let events = '';
  if (s.events) {
    for (const e of s.events) {
      events += `${events === '' ? '' : ','}{"timeUnixNano":"${nanosString(e.timeMs)}","name":${JSON.stringify(e.name)},"attributes":[${jsonKeyValues(e.attributes)}]}`;
    }
  }
  return `{"traceId":"${s.traceId}","spanId":"${s.spanId}"${s.traceState ? `,"traceState":${JSON.stringify(s.traceState)}` : ''}` +
    `${s.parentSpanId ? `,"parentSpanId":"${s.parentSpanId}"` : ''},"name":${JSON.stringify(s.name)},"kind":${s.kind}` +
    `,"startTimeUnixNano":"${nanosString(s.startMs)}","endTimeUnixNano":"${nanosString(s.endMs)}"` +
    `,"attributes":[${constant}${constant !== '' && dynamic !== '' ? ',' : ''}${dynamic}],"events":[${events}]` +
    `${s.droppedLinks > 0 ? `,"droppedLinksCount":${s.droppedLinks}` : ''}` +
    `,"status":{"code":${s.statusCode}${s.statusMessage ? `,"message":${JSON.stringify(s.statusMessage)}` : ''}}}`;
}

/** OTLP/JSON of an ExportTraceServiceRequest up to its spans array; JSON_TAIL closes it. */
export function jsonRequestHead(env: TraceEnvelope): string {
  const scope = JSON.stringify({ name: env.scopeName, ...(env.scopeVersion ? { version: env.scopeVersion } : {}) });
  return `{"resourceSpans":[{"resource":{"attributes":[${jsonKeyValues(env.resource)}]},"scopeSpans":[{"scope":${scope},"spans":[`;
}
export const JSON_TAIL = ']}]}]}';

/** An OTLP/JSON ExportTraceServiceRequest from spans encoded by jsonSpan. */
export function jsonRequest(env: TraceEnvelope, spans: readonly string[]): string {
  return `${jsonRequestHead(env)}${spans.join(',')}${JSON_TAIL}`;
}

/** Encodes `spans[from..to)` as one OTLP/JSON ExportTraceServiceRequest. */
export function encodeJson(env: TraceEnvelope, spans: readonly SpanRecord[], from = 0, to = spans.length): string {
  return jsonRequest(env, spans.slice(from, to).map(jsonSpan));
}

import type { Attributes } from '@opentelemetry/api';
import { jsonKeyValues } from './json-attributes.js';
import { ProtoWriter } from './proto-writer.js';

/** OTLP's SpanKind enum (protobuf numbering: the API's SpanKind + 1). */
export const OtlpSpanKind = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
/** OTLP's StatusCode enum. */
export const OtlpStatusCode = { unset: 0, ok: 1, error: 2 } as const;

export interface SpanEventRecord {
  /** Epoch milliseconds. */
  readonly timeMs: number;
  readonly name: string;
  readonly attributes: Attributes | undefined;
}

/**
 * Attributes that are the same on every span of a tracer (the model's identity): kept as an
 * object for the JSON encoding and encoded once as protobuf KeyValues, copied into each span.
 */
export class ConstantAttributes {
  readonly proto: Uint8Array;
  private jsonFragment: string | undefined;

  constructor(readonly attributes: Attributes) {
    const w = new ProtoWriter(1024);
    writeAttributes(w, 9, attributes);
    this.proto = Uint8Array.prototype.slice.call(w.bytes());
  }

  /** The same KeyValues as OTLP/JSON array elements (made on first use: only http/json needs them). */
  get json(): string {
    this.jsonFragment ??= jsonKeyValues(this.attributes);
    return this.jsonFragment;
  }
}

/**
 * A finished or running span as plain fields: what the OTLP encoders read. No SDK span object,
 * no hrtime tuples, no id conversion until export (ids stay lower-case hex, as the
 * `traceparent` and `x-modelwatch-trace-id` headers need them anyway).
 */
export class SpanRecord {
  events: SpanEventRecord[] | undefined = undefined;
  endMs = 0;
  statusCode: number = OtlpStatusCode.unset;
  statusMessage: string | undefined = undefined;
  /** `attributes` already encoded as protobuf KeyValues (set by whoever sets the last attribute), else undefined. */
  encoded: Uint8Array | undefined = undefined;
  /** Links given through the API (never by the sidecar itself): not exported, counted. */
  droppedLinks = 0;

  constructor(
    readonly traceId: string,
    readonly spanId: string,
    readonly parentSpanId: string | undefined,
    public name: string,
    readonly kind: number,
    readonly startMs: number,
    /** Span-specific attributes; mutable until the span ends. */
    readonly attributes: Attributes,
    readonly constant: ConstantAttributes | undefined,
    /** W3C sampled flag etc. (only `01` is ever exported: unsampled spans are not recorded). */
    readonly traceFlags = 1,
    readonly traceState: string | undefined = undefined,
  ) {}

  /** `00-<trace>-<span>-01`: the context a downstream call carries (its parent is this span). */
  get traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-01`;
  }

  addEvent(name: string, timeMs: number, attributes: Attributes | undefined): void {
    const e: SpanEventRecord = { timeMs, name, attributes };
    if (this.events) this.events.push(e);
    else this.events = [e];
  }
}

/** Writes `attributes` as repeated KeyValue in field `field`; undefined and null values are skipped (as the SDK does). */
export function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes | undefined): void {
  if (!attributes) return;
  for (const key in attributes) {
    const v = attributes[key];
    if (v === undefined || v === null) continue;
    const kv = w.begin(field);
    w.cachedString(1, key);
    const any = w.begin(2);
    if (typeof v === 'string') w.cachedString(1, v);
    else writeAnyValue(w, v);
    w.end(any);
    w.end(kv);
  }
}

/** The body of an AnyValue: string 1, bool 2, int 3, double 4, array 5 (numbers: int when integral, as the OTel SDK encodes them). */
function writeAnyValue(w: ProtoWriter, v: unknown): void {
  switch (typeof v) {
    case 'string':
      w.string(1, v);
      return;
    case 'boolean':
      w.bool(2, v);
      return;
    case 'number':
      if (Number.isSafeInteger(v)) w.int64(3, v);
      else w.double(4, v);
      return;
    default:
      if (Array.isArray(v)) {
        const arr = w.begin(5);
        for (const item of v) {
          const value = w.begin(1);
          if (item !== undefined && item !== null) writeAnyValue(w, item);
          w.end(value);
        }
        w.end(arr);
      } else {
        w.string(1, String(v));
      }
  }
}

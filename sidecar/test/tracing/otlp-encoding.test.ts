import { describe, expect, it } from 'vitest';
import { encodeJson, encodeProtobuf, nanosString, ProtobufEnvelope, writeSpan, type TraceEnvelope } from '../../src/tracing/otlp-encoding.js';
import { ProtoWriter } from '../../src/tracing/proto-writer.js';
import { ConstantAttributes, OtlpSpanKind, OtlpStatusCode, SpanRecord } from '../../src/tracing/span-record.js';
import { decodeTraces } from './fixtures/otlp-decoder.js';

const ENVELOPE: TraceEnvelope = { resource: { 'service.name': 'svc', 'deployment.environment': 'test' }, scopeName: '@modelwatch/sidecar', scopeVersion: '1.2.3' };
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CONSTANT = new ConstantAttributes({ 'modelwatch.model': 'credit', 'url.scheme': 'http' });

/** A server span as RequestTracer records it, with fields the test can vary. */
function createSpan(i: number, overrides: Partial<{ parent: string; name: string; attributes: SpanRecord['attributes'] }> = {}): SpanRecord {
  const s = new SpanRecord(
    TRACE,
    (0x1000 + i).toString(16).padStart(16, '0'),
    overrides.parent,
    overrides.name ?? 'POST /v2/models/{model}/infer',
    OtlpSpanKind.server,
    1_764_400_000_123.5 + i, // binary fractions: exact in a double
    overrides.attributes ?? { 'http.request.method': 'POST', 'http.response.status_code': 200, 'user_agent.original': undefined },
    CONSTANT,
  );
  s.endMs = s.startMs + 0.25;
  return s;
}

describe('OTLP protobuf encoding, decoded with the official opentelemetry-proto schema', () => {
  it('carries resource, scope, ids as raw bytes, kind, name, times, attributes, events and status', () => {
    const span = createSpan(1, { parent: '00f067aa0ba902b7' });
    span.addEvent('onnxruntime run', span.startMs + 0.125, { 'modelwatch.inference.rows': 3, 'modelwatch.inference.duration_ms': 0.125, ok: true, tags: ['a', 'b'], neg: -42 });
    span.statusCode = OtlpStatusCode.error;
    span.statusMessage = 'model failed';
    const decoded = decodeTraces(encodeProtobuf(new ProtoWriter(16), new ProtobufEnvelope(ENVELOPE), [span]));

    expect(decoded.resource).toEqual({ 'service.name': 'svc', 'deployment.environment': 'test' });
    expect(decoded.scope).toEqual({ name: '@modelwatch/sidecar', version: '1.2.3' });
    expect(decoded.spans).toHaveLength(1);
    const s = decoded.spans[0];
    expect(s.traceId).toBe(TRACE);
    expect(s.spanId).toBe('0000000000001001');
    expect(s.parentSpanId).toBe('00f067aa0ba902b7');
    expect(s.name).toBe('POST /v2/models/{model}/infer');
    expect(s.kind).toBe(2); // SPAN_KIND_SERVER
    expect(s.startTimeUnixNano).toBe('1764400000124500000');
    expect(s.endTimeUnixNano).toBe('1764400000124750000');
    // Undefined attributes are left out; the constant ones come first.
    expect(s.attributes).toEqual({ 'modelwatch.model': 'credit', 'url.scheme': 'http', 'http.request.method': 'POST', 'http.response.status_code': 200 });
    expect(s.events).toEqual([{
      name: 'onnxruntime run',
      timeUnixNano: '1764400000124625000',
      attributes: { 'modelwatch.inference.rows': 3, 'modelwatch.inference.duration_ms': 0.125, ok: true, tags: ['a', 'b'], neg: -42 },
    }]);
    expect(s.status).toEqual({ code: 2, message: 'model failed' });
  });

  it('leaves parent and status out of a root span with an unset status', () => {
    const s = decodeTraces(encodeProtobuf(new ProtoWriter(), new ProtobufEnvelope(ENVELOPE), [createSpan(2)])).spans[0];
    expect(s.parentSpanId).toBe('');
    expect(s.status).toEqual({ code: 0, message: '' });
    expect(s.events).toEqual([]);
  });

  it('encodes non-ASCII and long strings, and lengths over 127 and 16,383 bytes at every nesting level', () => {
    const long = 'x'.repeat(20_000);
    const spans = Array.from({ length: 300 }, (_, i) => createSpan(i, {
      name: i === 0 ? 'prédiction 模型 ✓' : `span ${i}`,
      attributes: { path: i === 1 ? long : `/v2/models/ü/${i}`, big: 2 ** 40 + i, small: -(2 ** 40) },
    }));
    // A tiny initial buffer: the writer has to grow many times while nested lengths are open.
    const decoded = decodeTraces(encodeProtobuf(new ProtoWriter(8), new ProtobufEnvelope(ENVELOPE), spans));
    expect(decoded.spans).toHaveLength(300);
    expect(decoded.spans[0].name).toBe('prédiction 模型 ✓');
    expect(decoded.spans[1].attributes.path).toBe(long);
    expect(decoded.spans[299].attributes).toMatchObject({ path: '/v2/models/ü/299', big: 2 ** 40 + 299, small: -(2 ** 40) });
    expect(decoded.spans.map((s) => s.spanId)).toEqual(spans.map((s) => s.spanId));
  });

  it('writes every span length as a minimal varint, under 128, up to 16,383 and beyond', () => {
    const tiny = new SpanRecord(TRACE, '0000000000000001', undefined, 'a', OtlpSpanKind.server, 1, {}, undefined);
    const sizes = [tiny, createSpan(3), createSpan(4, { attributes: { path: 'y'.repeat(20_000) } })].map((span) => {
      const w = new ProtoWriter(8);
      writeSpan(w, span);
      const b = w.bytes();
      expect(b[0]).toBe((2 << 3) | 2); // ScopeSpans.spans, length-delimited
      let len = 0;
      let i = 1;
      for (let shift = 0; ; shift += 7) {
        len += (b[i] & 127) * 2 ** shift;
        if ((b[i++] & 128) === 0) break;
      }
      expect(b[i - 1]).not.toBe(0); // no padding byte: minimal
      expect(b.length).toBe(i + len);
      return [i - 1, len];
    });
    expect(sizes[0][0]).toBe(1);
    expect(sizes[0][1]).toBeLessThan(128);
    expect(sizes[1][0]).toBe(2);
    expect(sizes[2][0]).toBe(3);
    expect(decodeTraces(encodeProtobuf(new ProtoWriter(8), new ProtobufEnvelope(ENVELOPE), [tiny])).spans[0].name).toBe('a');
  });

  it('reuses one writer for successive batches without leaking bytes of the previous one', () => {
    const w = new ProtoWriter();
    const env = new ProtobufEnvelope(ENVELOPE);
    const big = Buffer.from(encodeProtobuf(w, env, Array.from({ length: 50 }, (_, i) => createSpan(i))));
    const small = decodeTraces(encodeProtobuf(w, env, [createSpan(7)]));
    expect(small.spans.map((s) => s.spanId)).toEqual(['0000000000001007']);
    expect(decodeTraces(big).spans).toHaveLength(50);
  });

  it('encodes the same spans as OTLP/JSON: hex ids, enum numbers, 64-bit integers as decimal strings', () => {
    const span = createSpan(1, { parent: '00f067aa0ba902b7', attributes: { 'http.response.status_code': 200, quoted: 'a "b"\n\u00e9', ratio: 0.5, flag: false, none: undefined } });
    span.addEvent('upstream answered', span.startMs + 0.125, { 'http.response.status_code': 200 });
    const body = JSON.parse(encodeJson(ENVELOPE, [span]));
    const rs = body.resourceSpans[0];
    expect(rs.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'svc' } });
    expect(rs.scopeSpans[0].scope).toEqual({ name: '@modelwatch/sidecar', version: '1.2.3' });
    const s = rs.scopeSpans[0].spans[0];
    expect(s).toMatchObject({
      traceId: TRACE, spanId: '0000000000001001', parentSpanId: '00f067aa0ba902b7', kind: 2,
      startTimeUnixNano: '1764400000124500000', endTimeUnixNano: '1764400000124750000', status: { code: 0 },
    });
    expect(s.attributes).toContainEqual({ key: 'http.response.status_code', value: { intValue: '200' } });
    expect(s.attributes).toContainEqual({ key: 'modelwatch.model', value: { stringValue: 'credit' } });
    expect(s.attributes).toContainEqual({ key: 'quoted', value: { stringValue: 'a "b"\n\u00e9' } });
    expect(s.attributes).toContainEqual({ key: 'ratio', value: { doubleValue: 0.5 } });
    expect(s.attributes).toContainEqual({ key: 'flag', value: { boolValue: false } });
    expect(s.attributes.map((kv: { key: string }) => kv.key)).not.toContain('none');
    expect(s.events).toEqual([{ timeUnixNano: '1764400000124625000', name: 'upstream answered', attributes: [{ key: 'http.response.status_code', value: { intValue: '200' } }] }]);
  });

  it('converts epoch milliseconds to nanoseconds exactly at second boundaries', () => {
    expect(nanosString(1999.9999999)).toBe('2000000000');
    expect(nanosString(1000)).toBe('1000000000');
    expect(nanosString(0.000001)).toBe('1');
    const w = new ProtoWriter();
    w.timeNanos(1, 1999.9999999);
    w.timeNanos(1, 1_764_400_000_999.75);
    expect(w.bytes().readBigUInt64LE(1)).toBe(2_000_000_000n);
    expect(w.bytes().readBigUInt64LE(10)).toBe(1_764_400_000_999_750_000n);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { tracerProviderFromEnv } from '../../src/tracing/tracing.js';
import type { OtlpTracerProvider } from '../../src/tracing/otlp-tracer-provider.js';
import { startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';

let receiver: OtlpReceiver | undefined;
let provider: OtlpTracerProvider | undefined;
afterEach(async () => {
  await provider?.shutdown();
  provider = undefined;
  await receiver?.close();
});

describe('OtlpTracerProvider through the OpenTelemetry API', () => {
  it('exports API spans: parent from the context, kind, attributes, events, exception, error status, links counted as dropped', async () => {
    receiver = await startOtlpReceiver();
    provider = tracerProviderFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })!;
    const tracer = provider.getTracer('test');
    const parent = trace.setSpanContext(context.active(), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    const span = tracer.startSpan('call model', { kind: SpanKind.CLIENT, attributes: { a: 1 } }, parent);
    span.setAttribute('b', 'x').setAttributes({ c: true, d: [1, 2] });
    span.addEvent('step', { n: 2 });
    span.recordException(new TypeError('boom'));
    span.addLink({ context: parent && trace.getSpanContext(parent)! });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
    span.updateName('call model v2');
    span.end();
    span.setAttribute('after', 1); // ignored: the span has ended
    // An unsampled parent: nothing is recorded, the context is passed on.
    const unsampled = trace.setSpanContext(context.active(), { traceId: '5bf92f3577b34da6a3ce929d0e0e4736', spanId: '10f067aa0ba902b7', traceFlags: TraceFlags.NONE });
    const skipped = tracer.startSpan('skipped', {}, unsampled);
    expect(skipped.isRecording()).toBe(false);
    skipped.end();
    // (Which span is active inside depends on the context manager the application registered, if any.)
    const result = tracer.startActiveSpan('active', (s) => {
      s.end();
      return 42;
    });
    expect(result).toBe(42);
    await provider.forceFlush();

    const spans = receiver.spans();
    expect(spans.map((s) => s.name)).toEqual(['call model v2', 'active']);
    const s = spans[0];
    expect(s).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7', kind: 3, status: { code: 2, message: 'failed' }, droppedLinksCount: 1 });
    expect(s.attributes).toEqual({ a: 1, b: 'x', c: true, d: [1, 2] });
    expect(s.events.map((e) => e.name)).toEqual(['step', 'exception']);
    expect(s.events[1].attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'boom' });
    expect(spans[1].parentSpanId).toBe('');
    expect(spans[1].traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

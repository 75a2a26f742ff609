import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { post, until } from '../runtime/fixtures/http.js';
import { inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';
import { startUpstream, type UpstreamProcess } from '../runtime/fixtures/upstream.js';

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = `00-${PARENT_TRACE}-00f067aa0ba902b7-01`;

describe('traces with an injected in-memory exporter', () => {
  const tmp = tempDir();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let embedded: RunningSidecar;
  let proxy: RunningSidecar;
  let upstream: UpstreamProcess;

  beforeAll(async () => {
    upstream = await startUpstream();
    embedded = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', stage: 'scoring', port: 0 }, { tracerProvider: provider, log: () => {} });
    proxy = await startSidecar({ upstream: upstream.url, name: 'm', port: 0 }, { tracerProvider: provider, log: () => {} });
  });
  afterAll(async () => {
    await embedded.close();
    await proxy.close();
    await upstream.stop();
    await provider.shutdown();
    tmp.cleanup();
  });

  it('records one server span with HTTP semantic conventions, a low-cardinality route and the model run as an event', async () => {
    exporter.reset();
    const r = await post(`${embedded.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]));
    expect(r.status).toBe(200);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.name).toBe('POST /v2/models/{model}/infer');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v2/models/{model}/infer',
      'url.path': '/v2/models/credit/infer',
      'http.response.status_code': 200,
      'network.protocol.version': '1.1',
      'modelwatch.model': 'credit',
      'modelwatch.stage': 'scoring',
    });
    expect(spans).toHaveLength(1);
    const run = server.events.find((e) => e.name === 'onnxruntime run')!;
    expect(run.attributes).toMatchObject({ 'modelwatch.inference.rows': 1 });
    expect(run.attributes!['modelwatch.inference.duration_ms']).toBeGreaterThan(0);
    expect(r.headers.get('x-modelwatch-trace-id')).toBe(server.spanContext().traceId);
  });

  it('continues the trace of an incoming traceparent', async () => {
    exporter.reset();
    const r = await post(`${embedded.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]), { traceparent: PARENT });
    expect(r.headers.get('x-modelwatch-trace-id')).toBe(PARENT_TRACE);
    const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.spanContext().traceId).toBe(PARENT_TRACE);
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });

  it('marks 4xx with error.type and leaves the span status unset', async () => {
    exporter.reset();
    await post(`${embedded.url}/v2/models/credit/infer`, '{oops');
    const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.attributes['http.response.status_code']).toBe(400);
    expect(server.attributes['error.type']).toBe('malformed_json');
    expect(server.status.code).toBe(0);
  });

  it('propagates traceparent to the upstream as a child of the server span and records its answer as an event', async () => {
    exporter.reset();
    const r = await post(`${proxy.url}/v2/models/m/infer`, inferBody([[1, 2, 3]]), { traceparent: PARENT });
    const seen = r.headers.get('x-seen-traceparent')!;
    const [, traceId, spanId] = seen.split('-');
    expect(traceId).toBe(PARENT_TRACE);
    const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.spanContext().spanId).toBe(spanId);
    expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(server.events.find((e) => e.name === 'upstream answered')?.attributes).toEqual({ 'http.response.status_code': 200 });
  });

  it('does not trace a request whose incoming traceparent is not sampled, and forwards that traceparent as it is', async () => {
    exporter.reset();
    const unsampled = `00-${PARENT_TRACE}-00f067aa0ba902b7-00`;
    const r = await post(`${proxy.url}/v2/models/m/infer`, inferBody([[1, 2, 3]]), { traceparent: unsampled });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-seen-traceparent')).toBe(unsampled);
    expect(r.headers.get('x-modelwatch-trace-id')).toBeNull();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('head-samples requests without a parent at the configured ratio', async () => {
    const none = await startSidecar({ upstream: upstream.url, name: 'm', port: 0, traceSampleRatio: 0 }, { tracerProvider: provider, log: () => {} });
    try {
      exporter.reset();
      for (let i = 0; i < 5; i++) expect((await post(`${none.url}/v2/models/m/infer`, inferBody([[1, 2, 3]]))).status).toBe(200);
      expect(exporter.getFinishedSpans()).toHaveLength(0);
      // A sampled parent is still honoured at ratio 0 (parent-based).
      await post(`${none.url}/v2/models/m/infer`, inferBody([[1, 2, 3]]), { traceparent: PARENT });
      expect(exporter.getFinishedSpans()).toHaveLength(1);
    } finally {
      await none.close();
    }
  });
});

describe('traces over the OTLP/HTTP wire', () => {
  const tmp = tempDir();
  let receiver: Server;
  const received: any[] = [];
  let sc: RunningSidecar;
  const saved = { ...process.env };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') received.push({ type: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString()) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const port = (receiver.address() as { port: number }).port;
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
    process.env.OTEL_SERVICE_NAME = 'sidecar-under-test';
    delete process.env.OTEL_TRACES_EXPORTER;
    sc = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0 }, { log: () => {} });
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise<void>((r) => receiver.close(() => r()));
    tmp.cleanup();
  });

  it('exports the request spans as OTLP JSON to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces', async () => {
    const r = await post(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]));
    const traceId = r.headers.get('x-modelwatch-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await sc.close(); // flushes the batch processor
    await until(() => received.length > 0);
    expect(received[0].type).toMatch(/application\/json/);
    const rs = received[0].body.resourceSpans[0];
    expect(rs.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'sidecar-under-test' } });
    const spans = rs.scopeSpans.flatMap((s: any) => s.spans);
    expect(spans.map((s: any) => s.name)).toEqual(['POST /v2/models/{model}/infer']);
    expect(spans[0].events.map((e: any) => e.name)).toEqual(['onnxruntime run']);
    expect(spans.every((s: any) => s.traceId === traceId)).toBe(true);
  });

  it('is off when OTEL_TRACES_EXPORTER=none', async () => {
    process.env.OTEL_TRACES_EXPORTER = 'none';
    const off = await startSidecar({ model: writeClassifier(tmp.dir, 'b.onnx'), name: 'credit', port: 0 }, { log: () => {} });
    const r = await post(`${off.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-modelwatch-trace-id')).toBeNull();
    await off.close();
  });
});

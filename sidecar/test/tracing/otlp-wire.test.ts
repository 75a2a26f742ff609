import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { post, until } from '../runtime/fixtures/http.js';
import { inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';
import { startUpstream, type UpstreamProcess } from '../runtime/fixtures/upstream.js';
import { startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = `00-${PARENT_TRACE}-00f067aa0ba902b7-01`;

/**
 * The sidecar's own OTLP exporter end to end: a real sidecar, a real HTTP receiver that decodes
 * the protobuf with the official opentelemetry-proto schema (or parses the JSON), configured only
 * through the standard OTEL_* variables.
 */
describe('traces over OTLP/HTTP from the sidecar', () => {
  const tmp = tempDir();
  let receiver: OtlpReceiver;
  let upstream: UpstreamProcess;
  let sc: RunningSidecar | undefined;

  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterEach(async () => {
    await sc?.close();
    sc = undefined;
    await receiver?.close();
  });
  afterAll(async () => {
    await upstream.stop();
    tmp.cleanup();
  });

  const env = (extra: Record<string, string> = {}) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`, OTEL_BSP_SCHEDULE_DELAY: '20', ...extra });

  it('sends protobuf by default: resource, scope, one server span per call with semconv attributes, the model run event and the trace id of the response header', async () => {
    receiver = await startOtlpReceiver();
    sc = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', stage: 'scoring', port: 0 }, {
      log: () => {},
      env: env({ OTEL_SERVICE_NAME: 'scorer', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=risk%20ml', OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc,x-tenant=t1' }),
    });
    const r = await post(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]), { 'user-agent': 'wire-test' });
    expect(r.status).toBe(200);
    await until(() => receiver.spans().length === 1);
    const got = receiver.received[0];
    expect(got.contentType).toBe('application/x-protobuf');
    expect(got.headers.authorization).toBe('Bearer abc');
    expect(got.headers['x-tenant']).toBe('t1');
    expect(got.decoded.resource).toMatchObject({ 'service.name': 'scorer', 'deployment.environment': 'prod', team: 'risk ml' });
    expect(got.decoded.scope.name).toBe('@modelwatch/sidecar');
    const span = got.decoded.spans[0];
    expect(span).toMatchObject({ name: 'POST /v2/models/{model}/infer', kind: 2, parentSpanId: '', status: { code: 0, message: '' } });
    expect(span.traceId).toBe(r.headers.get('x-modelwatch-trace-id'));
    expect(span.attributes).toEqual({
      'modelwatch.model': 'credit', 'modelwatch.model_version': expect.any(String), 'modelwatch.pipeline': expect.any(String),
      'modelwatch.stage': 'scoring', 'modelwatch.variant': 'primary', 'url.scheme': 'http',
      'http.request.method': 'POST', 'http.route': '/v2/models/{model}/infer', 'url.path': '/v2/models/credit/infer',
      'network.protocol.version': '1.1', 'user_agent.original': 'wire-test', 'http.response.status_code': 200,
    });
    expect(span.events.map((e) => e.name)).toEqual(['onnxruntime run']);
    expect(span.events[0].attributes['modelwatch.inference.rows']).toBe(1);
    expect(span.events[0].attributes['modelwatch.inference.duration_ms']).toBeGreaterThan(0);
    const [start, end, event] = [BigInt(span.startTimeUnixNano), BigInt(span.endTimeUnixNano), BigInt(span.events[0].timeUnixNano)];
    expect(start <= event && event <= end).toBe(true);
    expect(Number(start / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('gives each span its own status, error.type and path when calls differ (4xx stays unset), and continues an incoming trace', async () => {
    receiver = await startOtlpReceiver();
    sc = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0 }, { log: () => {}, env: env() });
    await post(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]));
    await post(`${sc.url}/v2/models/credit/infer`, '{oops');
    await post(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]), { traceparent: PARENT });
    await post(`${sc.url}/v2/models/credit/versions/1/infer`, inferBody([[1, 2, 3]]));
    await until(() => receiver.spans().length === 4);
    // Batches may arrive out of order (two requests in flight): find each call's span by what identifies it.
    const spans = receiver.spans();
    const bad = spans.find((s) => s.attributes['http.response.status_code'] === 400)!;
    const child = spans.find((s) => s.traceId === PARENT_TRACE)!;
    const versioned = spans.find((s) => s.attributes['url.path'] !== '/v2/models/credit/infer')!;
    const ok = spans.find((s) => s !== bad && s !== child && s !== versioned)!;
    expect(ok.attributes).toMatchObject({ 'http.response.status_code': 200, 'url.path': '/v2/models/credit/infer' });
    expect(ok.attributes).not.toHaveProperty('error.type');
    expect(bad.attributes).toMatchObject({ 'http.response.status_code': 400, 'error.type': 'malformed_json' });
    expect(bad.status.code).toBe(0);
    expect(child).toMatchObject({ traceId: PARENT_TRACE, parentSpanId: '00f067aa0ba902b7' });
    expect(child.attributes).not.toHaveProperty('error.type');
    expect(versioned.attributes).toMatchObject({ 'url.path': '/v2/models/credit/versions/1/infer', 'http.response.status_code': 200 });
    expect(new Set(receiver.spans().map((s) => s.spanId)).size).toBe(4);
  });

  it('sends OTLP/JSON with http/json and the same semantics, and names the upstream call\'s parent in proxy mode', async () => {
    receiver = await startOtlpReceiver();
    sc = await startSidecar({ upstream: upstream.url, name: 'm', port: 0 }, { log: () => {}, env: env({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }) });
    const r = await post(`${sc.url}/v2/models/m/infer`, inferBody([[1, 2, 3]]), { traceparent: PARENT });
    expect(r.status).toBe(200);
    await until(() => receiver.spans().length === 1);
    expect(receiver.received[0].contentType).toBe('application/json');
    const span = receiver.spans()[0];
    const [, traceId, spanId] = r.headers.get('x-seen-traceparent')!.split('-');
    expect(span).toMatchObject({ traceId, spanId, parentSpanId: '00f067aa0ba902b7', kind: 2 });
    expect(span.events).toEqual([expect.objectContaining({ name: 'upstream answered', attributes: { 'http.response.status_code': 200 } })]);
  });

  it('sends full batches at once over one keep-alive connection', async () => {
    receiver = await startOtlpReceiver();
    sc = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0 }, {
      log: () => {},
      // A long delay: only full batches can leave during the test.
      env: env({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2', OTEL_BSP_SCHEDULE_DELAY: '60000' }),
    });
    for (let i = 0; i < 6; i++) await post(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]));
    await until(() => receiver.received.length === 3);
    expect(receiver.received.map((r) => r.decoded.spans.length)).toEqual([2, 2, 2]);
    // Keep-alive: three exports over fewer connections (two may be open when two batches overlap).
    expect(new Set(receiver.received.map((r) => r.clientPort)).size).toBeLessThan(3);
  });
});

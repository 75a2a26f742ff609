import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { sample, until } from '../runtime/fixtures/http.js';
import { inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';
import { RawClient, type Answer } from '../server/http1/fixtures/raw-client.js';

/**
 * Embedded inference calls ride the sidecar's own HTTP/1.1 server (server/http1/), as a proxy's
 * monitored calls do; node:http keeps every other route (handed the connection) and serves
 * everything with MODELWATCH_HTTP_SERVER=node. Both must answer and count the same, on real sockets.
 */
const request = (body: string, extra = '', path = '/v2/models/credit/infer') =>
  `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('embedded inference on the own HTTP/1.1 server', () => {
  const tmp = tempDir();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let own: RunningSidecar;
  let node: RunningSidecar;

  beforeAll(async () => {
    const model = writeClassifier(tmp.dir);
    const config = { model, name: 'credit', modelVersion: '3', port: 0, limits: { maxInFlight: 1, maxBodyBytes: 4096 } };
    own = await startSidecar(config, { log: () => {}, defaultMetrics: false, tracerProvider: provider });
    node = await startSidecar(config, { log: () => {}, defaultMetrics: false, tracerProvider: provider, env: { ...process.env, MODELWATCH_HTTP_SERVER: 'node' } });
  });
  afterAll(async () => {
    await own.close();
    await node.close();
    await provider.shutdown();
    tmp.cleanup();
  });

  it('answers an infer call on its own server with the answer node:http gives, trace and prediction id included', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const id = '01a226db-a77a-7254-91c5-efd8dbe59286';
    const answers: Answer[] = [];
    for (const sc of [own, node]) {
      const c = new RawClient(sc.port);
      await c.send(request(inferBody([[30, 40, 0.5], [50, 20, 0.1]], { id }), `traceparent: ${traceparent}\r\n`));
      answers.push(await c.answer());
      c.destroy();
    }
    const [a, b] = answers;
    // Which server wrote it: the own server's head has lower-case names and no Keep-Alive field.
    expect(a.head).toMatch(/\r\ndate: /);
    expect(a.headers['keep-alive']).toBeUndefined();
    expect(b.head).toMatch(/\r\nDate: /);
    expect(a.status).toBe(200);
    expect(a.body).toBe(b.body);
    expect(JSON.parse(a.body)).toMatchObject({ model_name: 'credit', model_version: '3', id, outputs: [{ name: 'probabilities', shape: [2, 2], datatype: 'FP32' }] });
    for (const h of ['content-type', 'x-modelwatch-prediction-id', 'x-modelwatch-trace-id']) expect(a.headers[h]).toBe(b.headers[h]);
    expect(a.headers['x-modelwatch-trace-id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(a.headers['x-modelwatch-prediction-id']).toBe(id);
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === '4bf92f3577b34da6a3ce929d0e0e4736');
    expect(spans.map((s) => [s.name, s.attributes['http.response.status_code'], s.events.map((e) => e.name)])).toEqual([
      ['POST /v2/models/{model}/infer', 200, ['onnxruntime run']],
      ['POST /v2/models/{model}/infer', 200, ['onnxruntime run']],
    ]);
  });

  it('answers catalogue errors the same way as node:http', async () => {
    const bad = [
      request('{"inputs": ['),
      request(inferBody([[1, 2, 3]]), '', '/v2/models/other/infer'),
      request(inferBody([[1, 2]])),
      request(JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 'x', 3] }] })),
    ];
    for (const text of bad) {
      const got: Answer[] = [];
      for (const sc of [own, node]) {
        const c = new RawClient(sc.port);
        await c.send(text);
        got.push(await c.answer());
        c.destroy();
      }
      expect(got[0].status).toBeGreaterThanOrEqual(400);
      expect(got[0].status).toBeLessThan(500);
      expect(got[0].head).toMatch(/\r\ndate: /);
      expect([got[0].status, JSON.parse(got[0].body)]).toEqual([got[1].status, JSON.parse(got[1].body)]);
      expect(JSON.parse(got[0].body).code).toMatch(/^MW_ERR_/);
    }
  });

  it('answers pipelined infer calls in order and hands a metadata request on the connection to node:http', async () => {
    const c = new RawClient(own.port);
    const ids = ['01a226db-a77a-7254-91c5-000000000001', '01a226db-a77a-7254-91c5-000000000002'];
    await c.send(request(inferBody([[30, 40, 0.5]], { id: ids[0] })) + request(inferBody([[50, 20, 0.1]], { id: ids[1] }))
      + 'GET /v2/models/credit HTTP/1.1\r\nhost: x\r\n\r\n' + request(inferBody([[1, 2, 3]])));
    const answers = [await c.answer(), await c.answer(), await c.answer(), await c.answer()];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.slice(0, 2).map((a) => JSON.parse(a.body).id)).toEqual(ids);
    expect(JSON.parse(answers[2].body)).toMatchObject({ name: 'credit', platform: 'onnxruntime_onnx' });
    // From the metadata request on, node:http has the connection.
    expect(answers[1].head).toMatch(/\r\ndate: /);
    expect(answers[2].head).toMatch(/\r\nDate: /);
    expect(answers[3].head).toMatch(/\r\nDate: /);
    c.destroy();
  });

  it('refuses a call over the in-flight cap with 503 while another call waits for its body', async () => {
    const slow = new RawClient(own.port);
    const body = inferBody([[30, 40, 0.5]]);
    // The head and half the body: the call is in flight until the rest arrives.
    await slow.send(request(body).slice(0, -Math.floor(body.length / 2)));
    const before = sample(await (await fetch(`${own.url}/metrics`)).text(), 'modelwatch_request_errors_total', { reason: 'overloaded' }) ?? 0;
    let refused: Answer | undefined;
    await until(async () => {
      const c = new RawClient(own.port);
      await c.send(request(body));
      refused = await c.answer();
      c.destroy();
      return refused.status === 503;
    });
    expect(JSON.parse(refused!.body).code).toMatch(/^MW_ERR_/);
    expect(refused!.headers['retry-after']).toBe('1');
    await slow.send(body.slice(body.length - Math.floor(body.length / 2)));
    expect((await slow.answer()).status).toBe(200);
    slow.destroy();
    const after = sample(await (await fetch(`${own.url}/metrics`)).text(), 'modelwatch_request_errors_total', { reason: 'overloaded' }) ?? 0;
    expect(after).toBeGreaterThan(before);
  });

  it('counts the same metrics for the same calls on either server', async () => {
    const series = async (sc: RunningSidecar) => new Map((await (await fetch(`${sc.url}/metrics`)).text())
      .split('\n')
      .filter((l) => /^modelwatch_(input_feature_value_bucket|input_out_of_range_total|input_invalid_values_total|output_predictions_total|output_class_total|requests_total|input_rows_total)\{/.test(l))
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
    const deltas = await Promise.all([own, node].map(async (sc) => {
      const before = await series(sc);
      const c = new RawClient(sc.port);
      for (const rows of [[[30, 40, 0.5]], [[50, 20, 0.1], [18, 70, 1]], [[1e30, -1, 2]]]) {
        await c.send(request(inferBody(rows)));
        expect((await c.answer()).status).toBe(200);
      }
      c.destroy();
      const changed: string[] = [];
      for (const [k, v] of await series(sc)) if (v !== (before.get(k) ?? 0)) changed.push(`${k} +${v - (before.get(k) ?? 0)}`);
      return changed.sort();
    }));
    expect(deltas[0].length).toBeGreaterThan(10);
    expect(deltas[0]).toEqual(deltas[1]);
  });
});

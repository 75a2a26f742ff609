import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { get, post, sample, until } from './fixtures/http.js';
import { inferBody, tempDir, writeClassifier } from './fixtures/model.js';

const ERRORS = 'modelwatch_request_errors_total';

describe('embedded mode (real onnxruntime session)', () => {
  const tmp = tempDir();
  let sc: RunningSidecar;
  let infer: string;

  beforeAll(async () => {
    const model = writeClassifier(tmp.dir);
    sc = await startSidecar({ model, name: 'credit', modelVersion: '3', port: 0, limits: { maxBodyBytes: 4096 } }, { log: () => {} });
    infer = `${sc.url}/v2/models/credit/infer`;
  });
  afterAll(async () => {
    await sc.close();
    tmp.cleanup();
  });

  async function errorCount(reason: string): Promise<number> {
    const text = await (await fetch(`${sc.url}/metrics`)).text();
    return sample(text, ERRORS, { reason }) ?? 0;
  }

  it('serves OIP health and readiness', async () => {
    expect(await get(`${sc.url}/v2/health/live`)).toEqual({ status: 200, json: { live: true } });
    expect(await get(`${sc.url}/v2/health/ready`)).toEqual({ status: 200, json: { ready: true } });
    expect(await get(`${sc.url}/v2/models/credit/ready`)).toEqual({ status: 200, json: { name: 'credit', ready: true } });
    expect((await get(`${sc.url}/readyz`)).status).toBe(200);
    expect((await get(`${sc.url}/healthz`)).status).toBe(200);
  });

  it('describes the model from the ONNX graph and its metadata_props', async () => {
    const { status, json } = await get(`${sc.url}/v2/models/credit`);
    expect(status).toBe(200);
    expect(json.versions).toEqual(['3']);
    expect(json.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 3] }]);
    expect(json.outputs).toEqual([{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }]);
    expect(JSON.parse(json.parameters.class_labels)).toEqual(['no', 'yes']);
    expect(JSON.parse(json.parameters.feature_names)).toEqual(['age', 'income', 'score']);
  });

  it('runs inference and answers OIP outputs with the softmax of the dense layer', async () => {
    const { status, json, headers } = await post(infer, inferBody([[1, 3, 0], [2, 0, 0]], { id: 'req-1' }));
    expect(status).toBe(200);
    expect(json.model_name).toBe('credit');
    expect(json.id).toBe('req-1');
    const [out] = json.outputs;
    expect(out.name).toBe('probabilities');
    expect(out.shape).toEqual([2, 2]);
    // logits [1,3] → softmax yes = 1/(1+e^-2); logits [2,0] → yes = 1/(1+e^2)
    expect(out.data[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 5);
    expect(out.data[3]).toBeCloseTo(1 / (1 + Math.exp(2)), 5);
    expect(headers.get('x-modelwatch-trace-id')).toBeNull(); // tracing off without OTEL endpoint
  });

  it('answers the versioned infer route and rejects an unknown version with 404', async () => {
    expect((await post(`${sc.url}/v2/models/credit/versions/3/infer`, inferBody([[1, 1, 1]]))).status).toBe(200);
    const before = await errorCount('unknown_model');
    const r = await post(`${sc.url}/v2/models/credit/versions/9/infer`, inferBody([[1, 1, 1]]));
    expect(r.status).toBe(404);
    expect(r.json.error).toMatch(/unknown version "9"/);
    expect(await errorCount('unknown_model')).toBe(before + 1);
  });

  it('returns 404 naming the served model when the model is unknown', async () => {
    const before = await errorCount('unknown_model');
    const r = await post(`${sc.url}/v2/models/other/infer`, inferBody([[1, 1, 1]]));
    expect(r).toMatchObject({ status: 404, json: { error: 'unknown model "other"; this sidecar serves "credit"' } });
    expect((await get(`${sc.url}/v2/models/other`)).status).toBe(404);
    expect(await errorCount('unknown_model')).toBe(before + 2);
  });

  it('returns 404 JSON for an unknown route', async () => {
    const before = await errorCount('unknown_route');
    const r = await get(`${sc.url}/v1/nothing`);
    expect(r.status).toBe(404);
    expect(r.json.error).toMatch(/no route for GET \/v1\/nothing/);
    expect(await errorCount('unknown_route')).toBe(before + 1);
  });

  const badInputs: [string, string, number, string, RegExp][] = [
    ['malformed JSON', '{"inputs": [', 400, 'malformed_json', /not valid JSON/],
    ['a NaN literal (not JSON)', '{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[NaN,1,2]}]}', 400, 'malformed_json', /not valid JSON/],
    ['a NaN string', inferBody([[1, 2, 3]]).replace('[1,2,3]', '["NaN",2,3]'), 400, 'non_finite', /must be finite/],
    ['an overflowing number (Inf)', inferBody([[1, 2, 3]]).replace('[1,2,3]', '[1e999,2,3]'), 400, 'non_finite', /not finite/],
    ['a shape that does not match the data', inferBody([[1, 2, 3]]).replace('"shape":[1,3]', '"shape":[2,3]'), 400, 'wrong_shape', /needs 6 values, data has 3/],
    ['a shape the model does not take', JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }), 400, 'wrong_shape', /expects \[-1,3\]/],
    ['a datatype the model does not take', inferBody([[1, 2, 3]]).replace('FP32', 'INT32'), 400, 'wrong_datatype', /expects FP32/],
    ['strings in a numeric tensor', inferBody([[1, 2, 3]]).replace('[1,2,3]', '["a",2,3]'), 400, 'wrong_datatype', /expects numbers/],
    ['an unknown requested output', inferBody([[1, 2, 3]], { outputs: [{ name: 'nope' }] }), 400, 'wrong_shape', /unknown output "nope"/],
    ['an unknown input name', inferBody([[1, 2, 3]]).replace('"input"', '"x"'), 400, 'wrong_shape', /unknown input "x"/],
  ];
  for (const [what, body, status, reason, message] of badInputs) {
    it(`returns ${status} ${reason} for ${what}`, async () => {
      const before = await errorCount(reason);
      const r = await post(infer, body);
      expect(r.status).toBe(status);
      expect(r.json.error).toMatch(message);
      expect(await errorCount(reason)).toBe(before + 1);
    });
  }

  it('returns 413 for a body over the limit without reading it all, and keeps serving', async () => {
    const before = await errorCount('body_too_large');
    const big = inferBody(Array.from({ length: 1000 }, () => [1, 2, 3]));
    const r = await post(infer, big);
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/exceeds the limit of 4096 bytes/);
    expect(await errorCount('body_too_large')).toBe(before + 1);
    expect((await post(infer, inferBody([[1, 1, 1]]))).status).toBe(200);
  });

  it('returns 413 for a chunked body that grows over the limit', async () => {
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode(' '.repeat(1000)));
        c.close();
      },
    });
    const res = await fetch(infer, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/exceeds the limit/);
  });

  it('returns 400 for the binary tensor extension, which the embedded server does not speak', async () => {
    const r = await post(infer, '{"inputs":[]}\u0000', { 'inference-header-content-length': '13' });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/binary tensor extension is not supported/);
  });

  it('survives a client that disconnects mid-body and records the call once', async () => {
    const metrics = async () => (await fetch(`${sc.url}/metrics`)).text();
    const before = sample(await metrics(), 'modelwatch_requests_total', { outcome: 'client_error' }) ?? 0;
    const socket = connect(sc.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write('POST /v2/models/credit/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"inputs":');
    await until(async () => sample(await metrics(), 'modelwatch_requests_in_flight') === 1);
    socket.destroy();
    await until(async () => sample(await metrics(), 'modelwatch_requests_in_flight') === 0);
    expect(sample(await metrics(), 'modelwatch_requests_total', { outcome: 'client_error' })).toBe(before + 1);
    expect((await post(infer, inferBody([[1, 1, 1]]))).status).toBe(200);
  });

  it('answers 405 for GET on the infer route', async () => {
    const r = await get(infer);
    expect(r.status).toBe(405);
    expect(r.json.error).toMatch(/POST only/);
  });
});

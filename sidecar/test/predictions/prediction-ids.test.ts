import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictionIdTime } from '@modelwatch/core';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { post } from '../runtime/fixtures/http.js';
import { startUpstream, type UpstreamProcess } from '../runtime/fixtures/upstream.js';

/** Prediction ids on answers in proxy mode, in front of a real model server process. */
describe('prediction ids (proxy mode)', () => {
  let upstream: UpstreamProcess;
  let oip: RunningSidecar;
  let tfs: RunningSidecar;
  const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] });

  beforeAll(async () => {
    upstream = await startUpstream();
    oip = await startSidecar({ upstream: upstream.url, name: 'm', port: 0 }, { log: () => {} });
    tfs = await startSidecar({ upstream: upstream.url, protocol: 'tfserving', name: 'm', port: 0 }, { log: () => {} });
  });
  afterAll(async () => {
    await oip?.close();
    await tfs?.close();
    await upstream?.stop();
  });

  it('gives an OIP answer a fresh time-ordered id, in the header and as the body id', async () => {
    const before = Date.now();
    const res = await post(`${oip.url}/v2/models/m/infer`, body);
    expect(res.status).toBe(200);
    const id = res.headers.get('x-modelwatch-prediction-id')!;
    expect(predictionIdTime(id)).toBeGreaterThanOrEqual(before);
    expect(res.json.id).toBe(id);
    expect(res.json.outputs[0].name).toBe('probabilities');
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(res.json)));
  });

  it('gives every answer its own id', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => post(`${oip.url}/v2/models/m/infer`, body)));
    expect(new Set(ids.map((r) => r.headers.get('x-modelwatch-prediction-id'))).size).toBe(20);
  });

  it('honours the client id from the OIP body, x-request-id and the prediction-id header, in that precedence', async () => {
    const withBodyId = JSON.stringify({ id: 'body-id-1', inputs: JSON.parse(body).inputs });
    expect((await post(`${oip.url}/v2/models/m/infer`, withBodyId)).headers.get('x-modelwatch-prediction-id')).toBe('body-id-1');
    expect((await post(`${oip.url}/v2/models/m/infer`, body, { 'x-request-id': 'rq-42' })).json.id).toBe('rq-42');
    const both = await post(`${oip.url}/v2/models/m/infer`, withBodyId, { 'x-modelwatch-prediction-id': 'mine-7', 'x-request-id': 'rq-1' });
    expect(both.headers.get('x-modelwatch-prediction-id')).toBe('mine-7');
  });

  it('replaces a client id that is not a valid prediction id with a fresh one', async () => {
    const res = await post(`${oip.url}/v2/models/m/infer`, body, { 'x-request-id': 'has spaces, commas' });
    expect(predictionIdTime(res.headers.get('x-modelwatch-prediction-id')!)).toBeDefined();
  });

  it('puts the id in the header only where the protocol body has no place for it (TF Serving)', async () => {
    const res = await post(`${tfs.url}/v1/models/m:predict`, JSON.stringify({ instances: [[1, 2]] }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-modelwatch-prediction-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json).toEqual({ predictions: [[0.3, 0.7]] });
  });

  it('gives no id to a failed answer', async () => {
    const res = await post(`${oip.url}/v2/models/boom/infer`, body);
    expect(res.status).toBe(500);
    expect(res.headers.get('x-modelwatch-prediction-id')).toBeNull();
  });
});

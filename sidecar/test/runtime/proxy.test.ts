import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar, type SidecarConfigInput } from '@modelwatch/sidecar';
import { get, post, sample, until } from './fixtures/http.js';
import { inferBody } from './fixtures/model.js';
import { startUpstream, type UpstreamProcess } from './fixtures/upstream.js';

const quiet = { log: () => {} };

async function scrape(sc: RunningSidecar): Promise<string> {
  return (await fetch(`${sc.url}/metrics`)).text();
}

/** A port nothing listens on: bind one, then free it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('proxy mode against a real model server process', () => {
  let upstream: UpstreamProcess;
  const sidecars: RunningSidecar[] = [];
  const start = async (cfg: SidecarConfigInput) => {
    const sc = await startSidecar({ port: 0, name: 'm', ...cfg }, quiet);
    sidecars.push(sc);
    return sc;
  };

  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.close()));
    await upstream.stop();
  });

  it('forwards OIP inference, monitors inputs and outputs, and becomes ready once the upstream answers', async () => {
    const sc = await start({ upstream: upstream.url, protocol: 'oip', features: ['age', 'income', 'score'] });
    await until(async () => (await get(`${sc.url}/readyz`)).status === 200);
    const r = await post(`${sc.url}/v2/models/m/infer`, inferBody([[20, 1, 0.5], [30, 2, 0.5]]));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-upstream')).toBe('yes');
    expect(r.json.outputs[0].data).toEqual([0.8, 0.2, 0.8, 0.2]);
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_input_feature_value_count', { feature: 'age' })).toBe(2);
    expect(sample(text, 'modelwatch_input_feature_value_sum', { feature: 'age' })).toBe(50);
    expect(sample(text, 'modelwatch_output_class_total', { class: '0' })).toBe(2);
    expect(sample(text, 'modelwatch_output_confidence_count', { output: 'probabilities' })).toBe(2);
    expect(sample(text, 'modelwatch_inference_duration_seconds_count')).toBe(1);
    expect(sample(text, 'modelwatch_model_info', { mode: 'oip' })).toBe(1);
  });

  it('passes calls that are not inference through untouched', async () => {
    const sc = await start({ upstream: upstream.url });
    const res = await fetch(`${sc.url}/custom/thing?q=1`, { method: 'PUT', body: 'hello' });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('passthrough PUT /custom/thing?q=1 hello');
    expect(sample(await scrape(sc), 'modelwatch_requests_total')).toBeUndefined();
  });

  it('rejects bad input with 400 before calling the upstream', async () => {
    const sc = await start({ upstream: upstream.url });
    const r = await post(`${sc.url}/v2/models/m/infer`, '{"inputs": 5}');
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/"inputs" array/);
    expect(sample(await scrape(sc), 'modelwatch_request_errors_total', { reason: 'wrong_shape' })).toBe(1);
  });

  it('forwards binary tensor payloads unmonitored and counts them', async () => {
    const sc = await start({ upstream: upstream.url });
    const r = await post(`${sc.url}/v2/models/m/infer`, '{"inputs":[]}\u0000\u0001', { 'inference-header-content-length': '13' });
    expect(r.status).toBe(200);
    expect(sample(await scrape(sc), 'modelwatch_unmonitored_payloads_total', { reason: 'binary_tensor' })).toBe(1);
  });

  it('answers 502 and counts upstream_refused when the upstream refuses connections', async () => {
    const sc = await start({ upstream: `http://127.0.0.1:${await closedPort()}` });
    const r = await post(`${sc.url}/v2/models/m/infer`, inferBody([[1, 2, 3]]));
    expect(r.status).toBe(502);
    expect(r.json.error).toMatch(/unreachable \(ECONNREFUSED\)/);
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_request_errors_total', { reason: 'upstream_refused' })).toBe(1);
    expect(sample(text, 'modelwatch_requests_total', { outcome: 'upstream_error', status_class: '5xx' })).toBe(1);
    expect((await get(`${sc.url}/readyz`)).status).toBe(503);
  });

  it('answers 504 and counts upstream_timeout when the upstream is too slow', async () => {
    const sc = await start({ upstream: upstream.url, name: 'slow', limits: { upstreamTimeoutMs: 150 } });
    const r = await post(`${sc.url}/v2/models/slow/infer`, inferBody([[1, 2, 3]]));
    expect(r.status).toBe(504);
    expect(r.json.error).toMatch(/within 150 ms/);
    expect(sample(await scrape(sc), 'modelwatch_request_errors_total', { reason: 'upstream_timeout' })).toBe(1);
  });

  it('streams an upstream answer too big to buffer through untouched and counts it unmonitored', async () => {
    const sc = await start({ upstream: upstream.url, name: 'big', limits: { maxBodyBytes: 4096 } });
    const r = await post(`${sc.url}/v2/models/big/infer`, inferBody([[1, 2, 3]]));
    expect(r.status).toBe(200);
    expect(r.json.outputs[0].data).toHaveLength(20_000);
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_unmonitored_payloads_total', { reason: 'response_too_large' })).toBe(1);
    expect(sample(text, 'modelwatch_requests_total', { outcome: 'success' })).toBe(1);
  });

  it('relays upstream 5xx answers and counts them as upstream_status', async () => {
    const sc = await start({ upstream: upstream.url, name: 'boom' });
    const r = await post(`${sc.url}/v2/models/boom/infer`, inferBody([[1, 2, 3]]));
    expect(r).toMatchObject({ status: 500, json: { error: 'model crashed' } });
    expect(sample(await scrape(sc), 'modelwatch_request_errors_total', { reason: 'upstream_status' })).toBe(1);
  });

  it('monitors TF Serving :predict (instances form)', async () => {
    const sc = await start({ upstream: upstream.url, protocol: 'tfserving', features: ['a', 'b'] });
    const r = await post(`${sc.url}/v1/models/m:predict`, JSON.stringify({ instances: [[1, 2], [3, 4]] }));
    expect(r.status).toBe(200);
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_input_feature_value_sum', { feature: 'b' })).toBe(6);
    expect(sample(text, 'modelwatch_output_class_total', { class: '1' })).toBe(2);
    expect(sample(text, 'modelwatch_model_info', { mode: 'tfserving' })).toBe(1);
  });

  it('monitors MLflow /invocations (dataframe_split) with a regression output', async () => {
    const sc = await start({ upstream: upstream.url, protocol: 'mlflow' });
    const body = { dataframe_split: { columns: ['x', 'y'], data: [[1, 2], [3, 4], [5, 6]] } };
    expect((await post(`${sc.url}/invocations`, JSON.stringify(body))).status).toBe(200);
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_input_feature_value_sum', { feature: 'x' })).toBe(9);
    expect(sample(text, 'modelwatch_output_prediction_value_sum')).toBe(1.5 + 2.5 + 3.5);
  });

  it('monitors a generic JSON API through the configured path and pointers', async () => {
    const sc = await start({ upstream: upstream.url, protocol: 'json', json: { path: '/score', inputs: '/data', outputs: '/result/scores' } });
    const body = { data: [{ amount: 10, country: 'fr' }, { amount: 30, country: 'de' }] };
    expect((await post(`${sc.url}/score`, JSON.stringify(body))).status).toBe(200);
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_input_feature_value_sum', { feature: 'amount' })).toBe(40);
    expect(sample(text, 'modelwatch_input_category_total', { feature: 'country', category: '__other__' })).toBe(2);
    expect(sample(text, 'modelwatch_output_class_total', { class: 'approve' })).toBe(2);
  });

  it('monitors derived features of non-tabular inputs through the configured extractors', async () => {
    const sc = await start({ upstream: upstream.url, extractors: [{ input: 'review', kind: 'text' }] });
    const body = JSON.stringify({ inputs: [{ name: 'review', shape: [2], datatype: 'BYTES', data: ['great', 'bad'] }] });
    expect((await post(`${sc.url}/v2/models/m/infer`, body)).status).toBe(200);
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_input_feature_value_sum', { feature: 'review:length' })).toBe(8);
    expect(sample(text, 'modelwatch_input_feature_value_count', { feature: 'review:length' })).toBe(2);
  });

  it('refuses an unknown extractor kind at startup, naming the key', async () => {
    await expect(startSidecar({ upstream: upstream.url, port: 0, extractors: [{ input: 'x', kind: 'video' as 'text' }] }))
      .rejects.toThrow(/MW_ERR_CONFIG_NOT_ALLOWED: extractors: .*"video" is not one of text, image, audio/);
  });

  it('keeps /metrics promtool-clean after proxied traffic, errors and unmonitored payloads', async () => {
    const sc = await start({ upstream: upstream.url, protocol: 'oip' });
    await post(`${sc.url}/v2/models/m/infer`, inferBody([[1, 2, 3]]));
    await post(`${sc.url}/v2/models/m/infer`, '{"inputs": 5}');
    await post(`${sc.url}/v2/models/boom/infer`, inferBody([[1, 2, 3]]));
    await post(`${sc.url}/v2/models/m/infer`, '{"inputs":[]}', { 'inference-header-content-length': '13' });
    const text = await scrape(sc);
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }));
      child.stdin!.end(text);
    });
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { post, sample } from '../runtime/fixtures/http.js';
import { inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';
import { startUpstream, type UpstreamProcess } from '../runtime/fixtures/upstream.js';

/**
 * Issue 12, items 2 and 8: OIP requests the sidecar answered 500 (`"outputs":[null]`) or accepted
 * though wrong (duplicate input names, `"outputs":"x"`, another model's calls counted as ours).
 */
const tmp = tempDir();
let embedded: RunningSidecar;
let proxy: RunningSidecar;
let upstream: UpstreamProcess;
const logged: string[] = [];

beforeAll(async () => {
  embedded = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0 }, { log: (l) => logged.push(l), defaultMetrics: false });
  upstream = await startUpstream();
  proxy = await startSidecar({ upstream: upstream.url, protocol: 'oip', name: 'm', port: 0 }, { log: () => {}, defaultMetrics: false });
});
afterAll(async () => {
  await embedded?.close();
  await proxy?.close();
  await upstream?.stop();
  tmp.cleanup();
});

const metrics = async (sc: RunningSidecar) => (await fetch(`${sc.url}/metrics`)).text();
const twoInputs = (a: string, b: string) => JSON.stringify({
  inputs: [
    { name: a, shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] },
    { name: b, shape: [1, 3], datatype: 'FP32', data: [4, 5, 6] },
  ],
});

describe('OIP requests that are wrong', () => {
  it('answers 400, not 500, for null or malformed requested outputs', async () => {
    const url = `${embedded.url}/v2/models/credit/infer`;
    for (const outputs of [[null], 'x', [{}], [{ name: '' }], [{ name: 'probabilities' }, { name: 'probabilities' }], 7]) {
      const res = await post(url, inferBody([[1, 2, 3]], { outputs }));
      expect(res.status, JSON.stringify(outputs)).toBe(400);
      expect(res.json.error, JSON.stringify(outputs)).toMatch(/outputs/);
    }
    expect(logged.filter((l) => l.includes('internal error'))).toEqual([]);
  });

  it('refuses duplicate input names instead of letting the last one win', async () => {
    const res = await post(`${embedded.url}/v2/models/credit/infer`, twoInputs('input', 'input'));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/inputs\[1\]\.name "input" repeats inputs\[0\]/);
    expect(res.json.code).toBe('MW_ERR_INFERENCE_BAD_INPUT');
    expect(sample(await metrics(embedded), 'modelwatch_request_errors_total', { reason: 'duplicate_input' })).toBe(1);
    const viaProxy = await post(`${proxy.url}/v2/models/m/infer`, twoInputs('x', 'x'));
    expect(viaProxy.status).toBe(400);
    expect(sample(await metrics(proxy), 'modelwatch_input_rows_total')).toBe(0);
  });

  it('serves another model\'s calls through the proxy without counting them as this model', async () => {
    const before = sample(await metrics(proxy), 'modelwatch_input_rows_total') ?? 0;
    const res = await post(`${proxy.url}/v2/models/someone-else/infer`, inferBody([[1, 2, 3]]));
    expect(res.status).toBeLessThan(600);
    const text = await metrics(proxy);
    expect(sample(text, 'modelwatch_input_rows_total')).toBe(before);
    expect(sample(text, 'modelwatch_unmonitored_payloads_total', { reason: 'other_model' })).toBe(1);
  });
});

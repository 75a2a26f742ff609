import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { get, post, sample, until } from './fixtures/http.js';
import { createBaseline, inferBody, tempDir, writeClassifier } from './fixtures/model.js';

/**
 * A real HTTP server answering the collector's active-baseline endpoint: 404 (no baseline yet)
 * until `publish` is called, like a collector the ML engineer has not uploaded to yet.
 */
describe('baseline from the collector', () => {
  const tmp = tempDir();
  let collector: Server;
  let published: unknown;
  const seen: { path: string; auth?: string }[] = [];
  let sc: RunningSidecar;

  beforeAll(async () => {
    collector = createServer((req, res) => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization });
      res.writeHead(published ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(published ?? { error: 'no active baseline' }));
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(collector.address() as { port: number }).port}`;
    sc = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0, collector: url, collectorToken: 's3cret' }, { log: () => {} });
  });
  afterAll(async () => {
    await sc.close();
    await new Promise<void>((r) => collector.close(() => r()));
    tmp.cleanup();
  });

  it('serves before any baseline exists, then switches to the baseline bins once the collector has one', async () => {
    await until(() => seen.length >= 1);
    expect(seen[0]).toEqual({ path: '/api/v1/models/credit/baselines/active', auth: 'Bearer s3cret' });
    expect((await post(`${sc.url}/v2/models/credit/infer`, inferBody([[25, 1, 0.5]]))).status).toBe(200);
    let text = await (await fetch(`${sc.url}/metrics`)).text();
    expect(sample(text, 'modelwatch_baseline_loaded', { baseline_version: 'none' })).toBe(0);

    published = createBaseline({ version: 'v9' });
    await until(async () => sample(await (await fetch(`${sc.url}/metrics`)).text(), 'modelwatch_baseline_loaded', { baseline_version: 'v9' }) === 1);
    await post(`${sc.url}/v2/models/credit/infer`, inferBody([[25, 1, 0.5]]));
    text = await (await fetch(`${sc.url}/metrics`)).text();
    expect(sample(text, 'modelwatch_input_feature_value_bucket', { feature: 'age', le: '30' })).toBe(1);
    expect(sample(text, 'modelwatch_input_feature_value_bucket', { feature: 'age', le: '18' })).toBe(0);
    expect((await get(`${sc.url}/readyz`)).status).toBe(200);
  });
});

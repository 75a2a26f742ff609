import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { post, sample, until } from './fixtures/http.js';
import { createBaseline, inferBody, tempDir, writeClassifier } from './fixtures/model.js';
import { startWindowCollector, type WindowCollector } from './fixtures/window-collector.js';

/** A real HTTP server playing the collector: serves the active baseline and accepts windows. */
describe('edge push wired into the sidecar', () => {
  const tmp = tempDir();
  let collector: WindowCollector;
  let sc: RunningSidecar;

  beforeAll(async () => {
    collector = await startWindowCollector('credit', createBaseline());
    const url = collector.url;
    sc = await startSidecar({
      model: writeClassifier(tmp.dir), name: 'credit', port: 0, collector: url, collectorToken: 'tok',
      push: { bufferDir: join(tmp.dir, 'push'), intervalMs: 100 },
    }, { log: () => {} });
  });
  afterAll(async () => {
    await sc.close();
    await collector.close();
    tmp.cleanup();
  });

  it('pushes window counts over the baseline bins and reports them on /metrics', async () => {
    await until(async () => sample(await (await fetch(`${sc.url}/metrics`)).text(), 'modelwatch_baseline_loaded', { baseline_version: 'v7' }) === 1);
    expect((await post(`${sc.url}/v2/models/credit/infer`, inferBody([[25, 1, 0.2], [40, 2, 0.7]]))).status).toBe(200);
    await until(() => collector.windows.some((w) => w.body.features.some((f) => f.name === 'age' && f.counts.reduce((a, b) => a + b, 0) === 2)));
    const w = collector.windows.find((x) => x.body.features.some((f) => f.name === 'age' && f.counts.reduce((a, b) => a + b, 0) === 2))!;
    expect(w.auth).toBe('Bearer tok');
    // age bins (-inf,18] (18,30] (30,50] (50,70] (70,inf): 25 and 40
    expect(w.body.features.find((f) => f.name === 'age')!.counts).toEqual([0, 1, 1, 0, 0]);
    const text = await (await fetch(`${sc.url}/metrics`)).text();
    expect(sample(text, 'modelwatch_push_windows_total', { outcome: 'sent' })).toBeGreaterThanOrEqual(1);
  });

  it('refuses push without a collector, naming the key', async () => {
    await expect(startSidecar({ model: writeClassifier(tmp.dir, 'b.onnx'), port: 0, push: { bufferDir: tmp.dir } }))
      .rejects.toThrow(/MW_ERR_CONFIG_BASELINE_SOURCE: push: .*set collector/);
  });
});

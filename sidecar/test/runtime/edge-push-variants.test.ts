import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { post, sample, until } from './fixtures/http.js';
import { createBaseline, inferBody, tempDir, writeClassifier } from './fixtures/model.js';
import { startWindowCollector, type WindowCollector } from './fixtures/window-collector.js';

/**
 * Edge push with variants: each variant pushes its own windows (its own source, labelled with its
 * name), so a collector without Prometheus keeps a canary's counts apart from the primary's.
 */
describe('edge push of a sidecar with a canary', () => {
  const tmp = tempDir();
  let collector: WindowCollector;
  let sc: RunningSidecar;
  const windows = () => collector.windows.map((w) => w.body);

  beforeAll(async () => {
    collector = await startWindowCollector('credit', createBaseline());
    const url = collector.url;
    sc = await startSidecar({
      model: writeClassifier(tmp.dir), canary: writeClassifier(tmp.dir, 'candidate.onnx'), canaryPercent: 50, stickyHeader: 'x-user',
      name: 'credit', port: 0, collector: url, push: { bufferDir: join(tmp.dir, 'push'), intervalMs: 100 },
    }, { log: () => {} });
  });
  afterAll(async () => {
    await sc.close();
    await collector.close();
    tmp.cleanup();
  });

  it('pushes one window series per variant, with each variant\'s own rows and a source of its own', async () => {
    await until(async () => sample(await (await fetch(`${sc.url}/metrics`)).text(), 'modelwatch_baseline_loaded', { baseline_version: 'v7' }) === 1);
    const requests = 40;
    for (let i = 0; i < requests; i++) {
      const res = await post(`${sc.url}/v2/models/credit/infer`, inferBody([[25 + i, 1, 0.2]]), { 'x-user': `user-${i}` });
      expect(res.status).toBe(200);
    }
    const rowsBy = () => {
      const rows = new Map<string, number>();
      for (const w of windows()) rows.set(w.variant ?? '', (rows.get(w.variant ?? '') ?? 0) + w.rows);
      return rows;
    };
    await until(() => [...rowsBy().values()].reduce((a, b) => a + b, 0) === requests);
    const rows = rowsBy();
    const primary = sc.rollouts.first.name;
    expect([...rows.keys()].sort()).toEqual([primary, 'canary'].sort());
    // The sticky 50% split over 40 users: both variants answered some, and every row is counted once.
    expect(rows.get('canary')).toBeGreaterThan(0);
    expect(rows.get(primary)).toBeGreaterThan(0);
    // Each variant's requests, as its own /metrics counts them, are the rows it pushed.
    const text = await (await fetch(`${sc.url}/metrics`)).text();
    expect(sample(text, 'modelwatch_input_rows_total', { variant: 'canary' })).toBe(rows.get('canary'));
    expect(sample(text, 'modelwatch_input_rows_total', { variant: primary })).toBe(rows.get(primary));
    const sources = new Map(windows().map((w) => [w.variant, w.source]));
    expect(sources.get('canary')).not.toBe(sources.get(primary));
  });
});

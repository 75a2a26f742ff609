import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from '@modelwatch/collector';
import { ProfileBuilder, type NumericFeatureProfile } from '@modelwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar } from '../../src/index.js';
import { sample, until } from '../runtime/fixtures/http.js';
import { oipBody, startVariantServer, type VariantServer } from './fixtures/variants.js';

/**
 * The drift check of the canary analysis against the real collector: the collector keeps windows
 * per variant, finds the canary's drifted while the primary's is not, and the sidecar's analysis
 * rolls the otherwise healthy canary back on that verdict alone. The windows are pushed the way
 * edge sidecars push them, one per variant.
 */
describe('canary analysis with the collector\'s drift verdicts', () => {
  let dir: string;
  let collector: RunningCollector;
  const servers: VariantServer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mw-canary-drift-'));
    collector = await startCollector({ port: 0, db: join(dir, 'c.db'), windows: ['1m'], evaluateEvery: '1s' });
  });
  afterAll(async () => {
    await collector?.close();
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('rolls back a canary whose own traffic drifted, with the drift check named in the event', async () => {
    const b = new ProfileBuilder({ model: 'm', bins: 5 });
    for (let i = 0; i < 500; i++) b.add({ x: (i % 100) / 100 });
    const profile = b.finish();
    const upload = await fetch(`${collector.url}/api/v1/models/m/baselines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(profile) });
    expect(upload.status).toBe(201);
    const bins = (profile.features[0] as NumericFeatureProfile).bins.counts;
    const push = async (variant: string, counts: number[]) => {
      const now = Date.now();
      const res = await fetch(`${collector.url}/api/v1/models/m/windows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          source: `edge-${variant}`, seq: 1, model: 'm', variant, start: new Date(now - 20_000).toISOString(), end: new Date(now - 1_000).toISOString(),
          rows: counts.reduce((a, c) => a + c, 0), features: [{ name: 'x', type: 'numeric', counts, missing: 0 }], outputs: [],
        }),
      });
      expect(res.status).toBe(202);
    };
    await push('primary', bins.map((c) => c * 2));
    // The canary's inputs all land in the top bin.
    await push('canary', bins.map((_, i) => (i === bins.length - 2 ? 1000 : 0)));
    await until(async () => {
      const t = await (await fetch(`${collector.url}/metrics`)).text();
      return sample(t, 'modelwatch_drift_dataset_detected', { model: 'm', variant: 'canary' }) === 1
        && sample(t, 'modelwatch_drift_dataset_detected', { model: 'm', variant: 'primary' }) === 0;
    }, 20_000);

    const primary = await startVariantServer({ name: 'stable', protocol: 'oip', threshold: 0 });
    const canary = await startVariantServer({ name: 'candidate', protocol: 'oip', threshold: 0 });
    servers.push(primary, canary);
    const sc = await startSidecar({
      upstream: primary.url, name: 'm', port: 0, canary: canary.url, canaryPercent: 30,
      rollout: { analysis: { intervalMs: 300, steps: [30, 60], failureThreshold: 2, minRequests: 5, maxLatencyRatio: 1000, collector: collector.url } },
    }, { defaultMetrics: false });
    try {
      let stop = false;
      const worker = async () => {
        while (!stop) await (await fetch(`${sc.url}/v2/models/m/infer`, { method: 'POST', body: oipBody(0.5) })).arrayBuffer();
      };
      const workers = Array.from({ length: 4 }, worker);
      try {
        await until(() => sc.rollouts.router.current.canary?.percent === 0, 20_000);
      } finally {
        stop = true;
        await Promise.all(workers);
      }
      const [event] = sc.rollouts.router.store.events();
      expect(event).toMatchObject({ action: 'rollback', trigger: 'automatic', variant: 'canary' });
      expect(event.reason).toContain('drift: the collector reports drift on the canary');
      expect(event.reason).not.toContain('error_ratio');
      const text = await (await fetch(`${sc.url}/metrics`)).text();
      expect(sample(text, 'modelwatch_rollout_analysis_checks_total', { variant: 'canary', check: 'drift', result: 'fail' })).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'modelwatch_rollout_analysis_checks_total', { variant: 'canary', check: 'error_ratio', result: 'pass' })).toBeGreaterThanOrEqual(2);
    } finally {
      await sc.close();
    }
  }, 60_000);
});

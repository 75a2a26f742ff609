import { afterAll, describe, expect, it } from 'vitest';
import type { AnalysisConfig } from '../../src/config/types.js';
import { startSidecar, type RunningSidecar } from '../../src/index.js';
import { judge } from '../../src/routing/canary-analysis.js';
import type { Measurements } from '../../src/routing/analysis-source.js';
import { sample, until } from '../runtime/fixtures/http.js';
import { oipBody, startVariantServer, type VariantServer } from './fixtures/variants.js';

const TOKEN = 'analysis-admin-token-0123456789';

function createMeasurements(m: Partial<Measurements> = {}): Measurements {
  return { requests: 100, errorRatio: 0, latencyP99: 0.01, disagreement: 0, lowConfidence: 0.1, drifted: false, ...m };
}

function createAnalysisConfig(c: Partial<AnalysisConfig> = {}): AnalysisConfig {
  return { intervalMs: 1000, steps: [10, 50], failureThreshold: 2, minRequests: 10, maxErrorRatioIncrease: 0.01, maxLatencyRatio: 1.5, maxDisagreement: 0.1, maxLowConfidenceIncrease: 0.1, ...c };
}

describe('canary checks', () => {
  it('fails each check on its own threshold and passes a canary like its primary', () => {
    const cfg = createAnalysisConfig();
    const primary = createMeasurements();
    expect(judge(cfg, createMeasurements(), primary).every((c) => c.result === 'pass')).toBe(true);
    const failed = (m: Partial<Measurements>) => judge(cfg, createMeasurements(m), primary).filter((c) => c.result === 'fail').map((c) => c.check);
    expect(failed({ errorRatio: 0.02 })).toEqual(['error_ratio']);
    expect(failed({ errorRatio: 0.01 })).toEqual([]);
    expect(failed({ latencyP99: 0.016 })).toEqual(['latency_p99']);
    expect(failed({ latencyP99: 0.015 })).toEqual([]);
    expect(failed({ disagreement: 0.11 })).toEqual(['disagreement']);
    expect(failed({ lowConfidence: 0.25 })).toEqual(['low_confidence']);
    expect(failed({ drifted: true })).toEqual(['drift']);
    const unknown = judge(cfg, createMeasurements({ disagreement: undefined, drifted: undefined }), primary);
    expect(unknown.filter((c) => c.result === 'insufficient').map((c) => c.check)).toEqual(['disagreement', 'drift']);
  });
});

describe('automatic canary analysis from the sidecar\'s own counters', () => {
  const servers: VariantServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function run(sc: RunningSidecar, done: () => Promise<boolean>): Promise<Map<number, number>> {
    const statuses = new Map<number, number>();
    let stop = false;
    const worker = async () => {
      for (let i = 0; !stop; i++) {
        const res = await fetch(`${sc.url}/v2/models/m/infer`, { method: 'POST', body: oipBody((i % 20) / 10 - 1), headers: { 'content-type': 'application/json' } });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    try {
      await until(done, 30_000);
    } finally {
      stop = true;
      await Promise.all(workers);
    }
    return statuses;
  }

  const events = async (sc: RunningSidecar) =>
    ((await (await fetch(`${sc.adminUrl}/admin/events`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { events: any[] }).events;

  it('rolls a canary that starts failing back at once, with the event and metric recorded', async () => {
    const primary = await startVariantServer({ name: 'stable', protocol: 'oip', threshold: 0 });
    const canary = await startVariantServer({ name: 'candidate', protocol: 'oip', threshold: 0 });
    servers.push(primary, canary);
    await canary.control({ errorRatio: 0.5 });
    const sc = await startSidecar({
      upstream: primary.url, name: 'm', port: 0, canary: canary.url, canaryPercent: 20,
      rollout: { analysis: { intervalMs: 300, steps: [20, 50], failureThreshold: 2, minRequests: 10 }, admin: { port: 0, tokens: [{ name: 'ops', token: TOKEN }] } },
    }, { defaultMetrics: false });
    try {
      await run(sc, async () => sc.rollouts.router.current.canary?.percent === 0);
      const ev = await events(sc);
      const rb = ev.find((e) => e.action === 'rollback');
      expect(rb).toMatchObject({ actor: 'canary-analysis', trigger: 'automatic', variant: 'canary', before: { canary: { percent: 20 } }, after: { canary: { percent: 0 } } });
      expect(rb.reason).toMatch(/error_ratio/);
      const text = await (await fetch(`${sc.url}/metrics`)).text();
      expect(sample(text, 'modelwatch_rollout_events_total', { variant: 'canary', action: 'rollback', trigger: 'automatic' })).toBe(1);
      expect(sample(text, 'modelwatch_rollout_analysis_checks_total', { variant: 'canary', check: 'error_ratio', result: 'fail' })).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'modelwatch_rollout_traffic_weight', { variant: 'canary', role: 'canary' })).toBe(0);
      // After the rollback no client reaches the canary any more.
      const before = await canary.calls();
      for (let i = 0; i < 50; i++) await (await fetch(`${sc.url}/v2/models/m/infer`, { method: 'POST', body: oipBody(0.5) })).arrayBuffer();
      expect(await canary.calls()).toBe(before);
    } finally {
      await sc.close();
    }
  }, 40_000);

  it('steps a healthy canary up and promotes it after the last step', async () => {
    const primary = await startVariantServer({ name: 'stable', protocol: 'oip', threshold: 0 });
    const canary = await startVariantServer({ name: 'candidate', protocol: 'oip', threshold: 0 });
    servers.push(primary, canary);
    const sc = await startSidecar({
      upstream: primary.url, name: 'm', port: 0, canary: canary.url, canaryPercent: 10,
      // Shedding off: every passed interval must have compared rows, however loaded the test machine is.
      rollout: { shadowShedding: false, analysis: { intervalMs: 300, steps: [10, 30], failureThreshold: 2, minRequests: 5, maxLatencyRatio: 100 }, admin: { port: 0, tokens: [{ name: 'ops', token: TOKEN }] } },
    }, { defaultMetrics: false });
    try {
      const statuses = await run(sc, async () => sc.rollouts.router.current.primary === 'canary');
      expect([...statuses.keys()]).toEqual([200]);
      const ev = await events(sc);
      expect(ev.map((e) => e.action)).toEqual(['step', 'promote']);
      expect(ev[0]).toMatchObject({ trigger: 'automatic', after: { canary: { percent: 30 } } });
      expect(ev[1]).toMatchObject({ after: { primary: 'canary', previousPrimary: 'primary', canary: null } });
      const text = await (await fetch(`${sc.url}/metrics`)).text();
      expect(sample(text, 'modelwatch_rollout_traffic_weight', { variant: 'canary', role: 'primary' })).toBe(1);
      expect(sample(text, 'modelwatch_rollout_analysis_checks_total', { variant: 'canary', check: 'disagreement', result: 'pass' })).toBeGreaterThanOrEqual(2);
    } finally {
      await sc.close();
    }
  }, 40_000);
});

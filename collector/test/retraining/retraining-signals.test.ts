import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { DriftReport } from '@modelwatch/core';
import { parseDuration } from '../../src/config.js';
import type { ConceptEvent } from '../../src/performance/concept-monitor.js';
import { resolveRetraining } from '../../src/retraining/policy.js';
import { RetrainingMetrics } from '../../src/retraining/retraining-metrics.js';
import { RetrainingMonitor } from '../../src/retraining/retraining-monitor.js';
import { MemoryReviewStore } from '../../src/review/memory-review-store.js';
import type { StoredDriftReport } from '../../src/store/baseline-store.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-03T00:00:00.000Z');

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function receiver() {
  const bodies: any[] = [];
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += String(d)));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, bodies };
}

function driftReport(datasetDrift: boolean): StoredDriftReport {
  const report: DriftReport = {
    model: 'loans',
    window: '1h',
    start: new Date(T0).toISOString(),
    end: new Date(T0 + 60 * MIN).toISOString(),
    features: [],
    driftedShare: datasetDrift ? 0.6 : 0.1,
    datasetDrift,
    datasetDriftThreshold: 0.5,
  };
  return { evaluatedAt: report.end, report };
}

describe('retraining signals', () => {
  it('calls once when dataset drift persists for the policy time, not for a shorter spell', async () => {
    const r = await receiver();
    let drift: StoredDriftReport[] = [];
    const config = resolveRetraining({ webhookUrl: r.url, retryDelay: 0, models: { loans: { datasetDriftFor: '2h' } } }, parseDuration)!;
    const monitor = new RetrainingMonitor(
      config,
      { models: async () => ['loans'], performance: () => [], conceptEvents: () => [], drift: () => drift },
      new MemoryReviewStore(),
      new RetrainingMetrics(new Registry()),
      () => 'http://c',
    );
    drift = [driftReport(true)];
    await monitor.check(T0);
    await monitor.check(T0 + 90 * MIN);
    drift = [driftReport(false)]; // a 90-minute spell ends: nothing
    await monitor.check(T0 + 100 * MIN);
    drift = [driftReport(true)];
    await monitor.check(T0 + 110 * MIN);
    await monitor.check(T0 + 229 * MIN);
    expect(r.bodies).toEqual([]);
    await monitor.check(T0 + 230 * MIN);
    await monitor.check(T0 + 300 * MIN);
    expect(r.bodies.length).toBe(1);
    expect(r.bodies[0]).toMatchObject({ reason: 'dataset_drift', evidence: { dataset_drift: { since: new Date(T0 + 110 * MIN).toISOString(), windows: [{ window: '1h', driftedShare: 0.6, threshold: 0.5 }] } } });
  });

  it('opens an episode on a new concept-drift detection, and ignores detections from before it started', async () => {
    const r = await receiver();
    const events: ConceptEvent[] = [{ model: 'loans', variant: 'primary', detector: 'ddm', predictionId: 'old', atMs: T0 - MIN }];
    const config = resolveRetraining({ webhookUrl: r.url, retryDelay: 0, cooldown: '1h', models: { '*': { conceptDrift: true } } }, parseDuration)!;
    const monitor = new RetrainingMonitor(
      config,
      { models: async () => ['loans'], performance: () => [], conceptEvents: () => events, drift: () => [] },
      new MemoryReviewStore(),
      new RetrainingMetrics(new Registry()),
      () => 'http://c',
    );
    await monitor.check(T0);
    expect(r.bodies).toEqual([]);
    events.push({ model: 'loans', variant: 'canary', detector: 'adwin', predictionId: 'p-1', atMs: T0 + 5 * MIN });
    await monitor.check(T0 + 10 * MIN);
    await monitor.check(T0 + 20 * MIN);
    expect(r.bodies.length).toBe(1);
    expect(r.bodies[0]).toMatchObject({ reason: 'concept_drift', evidence: { concept_drift: { detections: [{ detector: 'adwin', variant: 'canary', predictionId: 'p-1' }] } } });
    // A later detection within the cool-down is suppressed; after it, it calls again.
    events.push({ model: 'loans', variant: 'primary', detector: 'ddm', predictionId: 'p-2', atMs: T0 + 30 * MIN });
    await monitor.check(T0 + 40 * MIN);
    await monitor.check(T0 + 50 * MIN); // a round without a new detection ends that episode
    events.push({ model: 'loans', variant: 'primary', detector: 'ddm', predictionId: 'p-3', atMs: T0 + 80 * MIN });
    await monitor.check(T0 + 90 * MIN);
    expect(r.bodies.map((b) => b.evidence.concept_drift.detections[0].predictionId)).toEqual(['p-1', 'p-3']);
  });
});

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { newPredictionId } from '@modelwatch/core';
import { PerformanceEvaluator } from '../../src/performance/performance-evaluator.js';
import { PerformanceMetrics } from '../../src/performance/performance-metrics.js';
import { resolveRetraining, type RetrainingConfigInput } from '../../src/retraining/policy.js';
import { RetrainingMetrics } from '../../src/retraining/retraining-metrics.js';
import { RetrainingMonitor } from '../../src/retraining/retraining-monitor.js';
import { MemoryReviewStore } from '../../src/review/memory-review-store.js';
import { parseDuration } from '../../src/config.js';
import { MemoryPredictionStore } from '../../src/store/memory-prediction-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createRecord } from '../helpers/records.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-02T00:00:00.000Z');

/** A real HTTP receiver (a CI job's webhook): records every request; answers the first `failFirst` with 503. */
async function startReceiver(failFirst = 0) {
  const requests: { headers: IncomingMessage['headers']; body: any }[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += String(d)));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(text) });
      res.writeHead(requests.length <= failFirst ? 503 : 202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/retrain`, requests, close: () => new Promise((r) => server.close(r)) };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(policy: RetrainingConfigInput['models'][string], failFirst = 0) {
  const receiver = await startReceiver(failFirst);
  cleanups.push(receiver.close);
  const predictions = new MemoryPredictionStore();
  let now = T0;
  const registry = new Registry();
  // The real realized-performance evaluator on a 5-minute window, driven by a test clock.
  const performance = new PerformanceEvaluator({
    predictions,
    baselines: new MemoryStore(),
    metrics: new PerformanceMetrics(registry),
    windows: [{ label: '5m', ms: 5 * MIN }],
    events: [],
    historyKeep: 10,
    now: () => now,
  });
  const history = new MemoryReviewStore();
  const config = resolveRetraining({ webhookUrl: receiver.url, cooldown: '6h', retryDelay: 10, attempts: 3, models: { loans: policy } }, parseDuration)!;
  const monitor = new RetrainingMonitor(
    config,
    { models: () => predictions.predictionModels(), performance: (m) => performance.latestReports(m), conceptEvents: () => [], drift: () => [] },
    history,
    new RetrainingMetrics(registry),
    () => 'http://collector.test:9400',
  );
  let n = 0;
  /** Twenty answers a minute ago, `right` of them labelled as answered; then one evaluation and one policy round at that time. */
  const round = async (atMs: number, right: number) => {
    now = atMs;
    const records = Array.from({ length: 20 }, () => {
      const t = atMs - MIN + n++;
      return createRecord('loans', 0, { id: newPredictionId(t), time: new Date(t).toISOString(), prediction: 'approve' });
    });
    await predictions.putPredictions('loans', records, atMs);
    await predictions.applyFeedback('loans', records.map((r, i) => ({ predictionId: r.id, label: i < right ? 'approve' : 'decline' })), {
      nowMs: atMs,
      retainedFromMs: 0,
      events: new Set(),
    });
    await performance.evaluate();
    await monitor.check(atMs);
  };
  const counter = async (outcome: string) => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith('modelwatch_retraining_triggers_total{') && l.includes('reason="performance"') && l.includes(`outcome="${outcome}"`));
    return line ? Number(line.split(' ').at(-1)) : undefined;
  };
  return { receiver, round, history, counter, monitor };
}

describe('retraining policy', () => {
  it('calls the webhook exactly once for a sustained drop, and again only after the cool-down', async () => {
    const { receiver, round, history, counter } = await setup({ performance: { metric: 'accuracy', threshold: 0.8, for: '30m' } }, 1);
    await round(T0, 19); // 95%: fine
    await round(T0 + 10 * MIN, 10); // 50%: the drop starts
    await round(T0 + 20 * MIN, 10);
    await round(T0 + 30 * MIN, 10);
    expect(receiver.requests).toEqual([]);
    await round(T0 + 40 * MIN, 10); // held 30 minutes: one call (its first attempt answered 503, the retry 202)
    await round(T0 + 50 * MIN, 9);
    await round(T0 + 60 * MIN, 10);
    expect(receiver.requests.length).toBe(2);
    expect(new Set(receiver.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    const call = receiver.requests[1].body;
    expect(call).toMatchObject({ model: 'loans', reason: 'performance', evidence: { performance: { metric: 'accuracy', window: '5m', value: 0.5, threshold: 0.8, breaches: ['threshold'] } } });
    expect(call.evidence.performance.since).toBe(new Date(T0 + 10 * MIN).toISOString());
    expect(call.export.url).toBe(
      `http://collector.test:9400/api/v1/models/loans/dataset?from=${encodeURIComponent(new Date(T0 + 40 * MIN - 7 * 86_400_000).toISOString())}&to=${encodeURIComponent(new Date(T0 + 40 * MIN).toISOString())}&labelled=true&format=parquet`,
    );

    // Recovery ends the episode; a new sustained drop within the 6h cool-down is suppressed, not called.
    await round(T0 + 70 * MIN, 19);
    for (let m = 80; m <= 120; m += 10) await round(T0 + m * MIN, 8);
    expect(receiver.requests.length).toBe(2);
    expect(await counter('suppressed')).toBe(1);

    // After the cool-down a new episode calls again.
    await round(T0 + 7 * 60 * MIN, 19);
    for (let m = 0; m <= 30; m += 10) await round(T0 + (7 * 60 + 10 + m) * MIN, 8);
    expect(receiver.requests.length).toBe(3);
    expect(receiver.requests[2].body.reason).toBe('performance');
    expect(await counter('delivered')).toBe(2);
    expect((await history.retrainingEvents('loans', 10)).map((e) => e.outcome)).toEqual(['delivered', 'suppressed', 'delivered']);
  });

  it('records a call that failed every attempt, and takes a manual trigger whatever the cool-down', async () => {
    const { receiver, history, monitor } = await setup({ conceptDrift: true }, 3);
    const failed = await monitor.trigger('loans', 'weekly retrain', T0);
    expect(failed.outcome).toBe('failed');
    expect(receiver.requests.length).toBe(3);
    expect(failed.detail).toMatchObject({ reason: 'manual', evidence: { note: 'weekly retrain' }, delivery: { delivered: false, attempts: 3, status: 503 } });
    const ok = await monitor.trigger('loans', undefined, T0 + MIN);
    const again = await monitor.trigger('loans', undefined, T0 + 2 * MIN);
    expect([ok.outcome, again.outcome]).toEqual(['delivered', 'delivered']);
    expect((await history.retrainingEvents('loans', 10)).length).toBe(3);
  });

  it('refuses a policy without a condition or with a bad duration at startup, naming the key', () => {
    expect(() => resolveRetraining({ webhookUrl: 'http://x/y', models: { m: {} } }, parseDuration)).toThrow(/retraining.models.m: set at least one/);
    expect(() => resolveRetraining({ webhookUrl: 'http://x/y', models: { m: { datasetDriftFor: '2 hours' } } }, parseDuration)).toThrow(/retraining.models.m.datasetDriftFor/);
    expect(() => resolveRetraining({ webhookUrl: 'ftp://x/y', models: { m: { conceptDrift: true } } }, parseDuration)).toThrow(/must be http/);
  });
});

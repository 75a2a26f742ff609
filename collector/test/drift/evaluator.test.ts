import type { BaselineProfile, LiveWindow } from '@modelwatch/core';
import { describe, expect, it } from 'vitest';
import { DriftMetrics } from '../../src/drift/drift-metrics.js';
import { Evaluator, type EvaluatorDeps } from '../../src/drift/evaluator.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RoundMetrics } from '../../src/drift/round-metrics.js';
import type { ModelLeases } from '../../src/leases/model-leases.js';
import { emptyWindow, WindowError, type WindowSource, type WindowSpec } from '../../src/windows/window-source.js';
import { createProfile } from '../helpers/factories.js';

/** An in-memory window source: drifted counts for every model, failing for the models listed. */
class ScriptedSource implements WindowSource {
  readonly kind = 'prometheus' as const;
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly failFor: Set<string>, private readonly delayMs = 0) {}
  async fetch(baseline: BaselineProfile, window: WindowSpec, endMs: number, signal?: AbortSignal): Promise<LiveWindow> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs) {
        // Like a real query, the wait ends early when the round's budget cancels it.
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, this.delayMs);
          signal?.addEventListener('abort', () => {
            clearTimeout(t);
            reject(new WindowError('round_budget', 'cancelled'));
          });
        });
      }
      if (this.failFor.has(baseline.model)) throw new TypeError('source blew up');
      const w = emptyWindow(baseline, window, endMs);
      w.features[0].counts = [0, 0, 0, 500];
      return w;
    } finally {
      this.inFlight--;
    }
  }
}

async function setup(failFor: string[] = [], delayMs = 0, extra: Partial<EvaluatorDeps> = {}) {
  const store = new MemoryStore();
  for (const m of ['a', 'b', 'c']) await store.putBaseline(m, createProfile(m), true);
  const metrics = new DriftMetrics(false);
  const source = new ScriptedSource(new Set(failFor), delayMs);
  const evaluator = new Evaluator({ store, sources: [source], windows: [{ label: '15m', ms: 900_000 }], metrics, drift: {}, roundMetrics: new RoundMetrics(metrics.registry), ...extra });
  return { store, metrics, source, evaluator };
}

describe('Evaluator', () => {
  it('counts a failing model as an evaluation error and still evaluates the others', async () => {
    const { metrics, evaluator } = await setup(['b']);
    const original = console.error;
    console.error = () => {};
    try {
      await evaluator.evaluate();
    } finally {
      console.error = original;
    }
    expect(evaluator.latestReports('a')).toHaveLength(1);
    expect(evaluator.latestReports('b')).toHaveLength(0);
    expect(evaluator.latestReports('c')[0].report.datasetDrift).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('modelwatch_drift_evaluation_errors_total{model="b",reason="drift_failed"} 1');
  });

  it('joins a running round instead of starting an overlapping one', async () => {
    const { source, evaluator, store } = await setup([], 30, { modelConcurrency: 1 });
    const rounds = [evaluator.evaluate(), evaluator.evaluate(), evaluator.evaluate()];
    expect(rounds[1]).toBe(rounds[0]);
    await Promise.all(rounds);
    expect(source.maxInFlight).toBe(1);
    // One round: one history entry per model, not three.
    expect(await store.driftHistory('a', 10)).toHaveLength(1);
  });

  it('forgets the reports of a model whose active baseline changed version', async () => {
    const { store, evaluator } = await setup();
    await evaluator.evaluate();
    expect(evaluator.latestReports('a')).toHaveLength(1);
    await store.putBaseline('a', createProfile('a'), true);
    await evaluator.refreshBaselines();
    expect(evaluator.latestReports('a')).toHaveLength(0);
    expect(evaluator.latestReports('b')).toHaveLength(1);
  });

  it('evaluates models concurrently, never more at once than the model concurrency', async () => {
    const two = await setup([], 40, { modelConcurrency: 2 });
    await two.evaluator.evaluate();
    expect(two.source.maxInFlight).toBe(2);
    const all = await setup([], 40);
    await all.evaluator.evaluate();
    // The default (4) covers all three models: a round takes one query's latency, not three.
    expect(all.source.maxInFlight).toBe(3);
    for (const m of ['a', 'b', 'c']) expect(all.evaluator.latestReports(m)).toHaveLength(1);
  });

  it('skips the models left when the round budget runs out and cancels the query in flight', async () => {
    const { metrics, evaluator } = await setup([], 5_000, { modelConcurrency: 1, roundBudgetMs: 50 });
    const original = console.error;
    console.error = () => {};
    const started = Date.now();
    try {
      await evaluator.evaluate();
    } finally {
      console.error = original;
    }
    // The 5 s query was cancelled at the 50 ms budget instead of holding the round.
    expect(Date.now() - started).toBeLessThan(2_000);
    const text = await metrics.registry.metrics();
    for (const m of ['a', 'b', 'c']) expect(text).toContain(`modelwatch_drift_evaluation_errors_total{model="${m}",reason="round_budget"} 1`);
    expect(text).toContain('modelwatch_collector_round_models_total{outcome="over_budget"} 2');
    expect(text).toContain('modelwatch_collector_round_models_total{outcome="evaluated"} 1');
  });

  it('evaluates only the models whose lease it holds', async () => {
    const leases: ModelLeases = {
      claim: async () => ({ owned: new Set(['b']), liveCollectors: 3 }),
      start: () => {},
      close: async () => {},
    };
    const { evaluator, store, metrics } = await setup([], 0, { leases });
    await evaluator.evaluate();
    expect(await store.driftHistory('a', 10)).toHaveLength(0);
    expect(await store.driftHistory('b', 10)).toHaveLength(1);
    expect(await store.driftHistory('c', 10)).toHaveLength(0);
    const text = await metrics.registry.metrics();
    expect(text).toContain('modelwatch_collector_leased_models 1');
    expect(text).toContain('modelwatch_collector_live_collectors 3');
  });

  it('reuses the parsed profile while its version stays active, so calibration is cached across rounds', async () => {
    const { store, evaluator } = await setup();
    const seen: BaselineProfile[] = [];
    const original = store.activeBaselines.bind(store);
    // Like SQLite and PostgreSQL, hand out a freshly parsed object on every read.
    store.activeBaselines = async () => (await original()).map((b) => JSON.parse(JSON.stringify(b)) as BaselineProfile);
    const sources = (evaluator as unknown as { deps: { sources: WindowSource[] } }).deps.sources;
    const inner = sources[0]!;
    sources[0] = { kind: inner.kind, fetch: (b, w, end) => (seen.push(b), inner.fetch(b, w, end)) };
    await evaluator.evaluate();
    await evaluator.evaluate();
    const ofA = seen.filter((b) => b.model === 'a');
    expect(ofA).toHaveLength(2);
    expect(ofA[1]).toBe(ofA[0]);
    await store.putBaseline('a', createProfile('a'), true);
    await evaluator.evaluate();
    const latest = seen.filter((b) => b.model === 'a').at(-1)!;
    expect(latest).not.toBe(ofA[0]);
    expect(latest.version).not.toBe(ofA[0]!.version);
  });
});

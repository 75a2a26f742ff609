import type { BaselineProfile, LiveWindow } from '@modelwatch/core';
import { describe, expect, it } from 'vitest';
import { DriftMetrics } from '../../src/drift/drift-metrics.js';
import { Evaluator } from '../../src/drift/evaluator.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { emptyWindow, type WindowSource, type WindowSpec } from '../../src/windows/window-source.js';
import { createProfile } from '../helpers/factories.js';

/** An in-memory window source: drifted counts for every model, failing for the models listed. */
class ScriptedSource implements WindowSource {
  readonly kind = 'prometheus' as const;
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly failFor: Set<string>, private readonly delayMs = 0) {}
  async fetch(baseline: BaselineProfile, window: WindowSpec, endMs: number): Promise<LiveWindow> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.failFor.has(baseline.model)) throw new TypeError('source blew up');
      const w = emptyWindow(baseline, window, endMs);
      w.features[0].counts = [0, 0, 0, 500];
      return w;
    } finally {
      this.inFlight--;
    }
  }
}

async function setup(failFor: string[] = [], delayMs = 0) {
  const store = new MemoryStore();
  for (const m of ['a', 'b', 'c']) await store.putBaseline(m, createProfile(m), true);
  const metrics = new DriftMetrics(false);
  const source = new ScriptedSource(new Set(failFor), delayMs);
  const evaluator = new Evaluator({ store, sources: [source], windows: [{ label: '15m', ms: 900_000 }], metrics, drift: {} });
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
    const { source, evaluator, store } = await setup([], 30);
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

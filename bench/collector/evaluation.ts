/**
 * Collector costs, side by side in one run (ratios, not absolute goals):
 *  - one evaluation round of a 1,000-feature model fed by 10 pushed windows: computeDrift alone
 *    (the floor) vs the whole round on the in-memory store vs on a SQLite file;
 *  - ingest of pushed 20-feature windows through the REST API, memory vs SQLite;
 *  - upload of a 1,000-feature baseline profile through the REST API, memory vs SQLite.
 * Run: `npx tsx bench/collector/evaluation.ts` (after `npx tsc -b`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINE_SCHEMA, computeDrift, type BaselineProfile, type PushedWindow } from '../../core/src/index.js';
import { DriftMetrics } from '../../collector/src/drift/drift-metrics.js';
import { Evaluator } from '../../collector/src/drift/evaluator.js';
import { startCollector } from '../../collector/src/server.js';
import type { BaselineStore } from '../../collector/src/store/baseline-store.js';
import { MemoryStore } from '../../collector/src/store/memory-store.js';
import { SqliteStore } from '../../collector/src/store/sqlite-store.js';
import { PushWindowSource } from '../../collector/src/windows/push-source.js';
import { emptyWindow } from '../../collector/src/windows/window-source.js';

const BINS = 20;
const edges = Array.from({ length: BINS - 1 }, (_, i) => i + 1);

function profile(model: string, features: number): BaselineProfile {
  return {
    schema: BASELINE_SCHEMA,
    model,
    createdAt: new Date().toISOString(),
    rows: 100_000,
    features: Array.from({ length: features }, (_, i) => ({
      name: `f${i}`,
      type: 'numeric' as const,
      count: 100_000,
      missing: 0,
      min: 0,
      max: BINS,
      mean: BINS / 2,
      std: 5,
      bins: { edges, counts: new Array(BINS).fill(100_000 / BINS) },
    })),
    outputs: [],
    chunks: [],
  };
}

function pushed(model: string, features: number, seq: number, endMs: number): PushedWindow {
  return {
    source: 'bench',
    seq,
    model,
    start: new Date(endMs - 60_000).toISOString(),
    end: new Date(endMs).toISOString(),
    rows: 500,
    features: Array.from({ length: features }, (_, i) => ({
      name: `f${i}`,
      type: 'numeric' as const,
      counts: Array.from({ length: BINS }, (_, b) => ((b * 7 + i + seq) % 11) * 5),
      missing: 0,
    })),
    outputs: [],
  };
}

/** Median and min per call over `reps` calls: the machine is shared, so the mean is noise-prone. */
async function time(label: string, reps: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(3, reps); i++) await fn(); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  runs.sort((a, b) => a - b);
  const median = runs[Math.floor(reps / 2)];
  console.log(`${label.padEnd(62)} median ${median.toFixed(3).padStart(9)} ms   min ${runs[0].toFixed(3).padStart(9)} ms`);
  return median;
}

const dir = mkdtempSync(join(tmpdir(), 'mw-bench-'));
try {
  const FEATURES = 1000;
  const now = Date.now();
  const base = { ...profile('wide', FEATURES), version: '1' };
  const live = emptyWindow(base, { label: '15m', ms: 900_000 }, now);
  live.features.forEach((f, i) => (f.counts = pushed('wide', FEATURES, 0, now).features[i].counts.map((c) => c * 10)));
  console.log(`evaluation round, ${FEATURES} features x ${BINS} bins, 10 pushed windows:`);
  const floor = await time('  computeDrift alone (floor)', 50, () => computeDrift(base, live, {}));
  const report = computeDrift(base, live, {});
  const exporter = new DriftMetrics(false);
  await time('  DriftMetrics.publish of that report (2,000 results)', 50, () => exporter.publish(report));
  const rounds: Record<string, number> = {};
  for (const [name, store] of [['memory', new MemoryStore()], ['sqlite', new SqliteStore(join(dir, 'eval.db'))]] as [string, BaselineStore][]) {
    await store.putBaseline('wide', profile('wide', FEATURES), true);
    for (let s = 0; s < 10; s++) await store.addPushedWindow(pushed('wide', FEATURES, s, now - s * 1000));
    const evaluator = new Evaluator({
      store,
      sources: [new PushWindowSource(store)],
      windows: [{ label: '15m', ms: 900_000 }],
      metrics: new DriftMetrics(false),
      drift: {},
      historyKeep: 5,
    });
    rounds[name] = await time(`  whole round (fetch, sum, drift, export, history), ${name}`, 20, () => evaluator.evaluate(now));
    await store.close();
  }
  console.log(`  ratio round/floor (medians): memory ${(rounds.memory / floor).toFixed(2)}x, sqlite ${(rounds.sqlite / floor).toFixed(2)}x`);

  for (const db of [':memory:', join(dir, 'rest.db')]) {
    const c = await startCollector({ port: 0, db, evaluateEvery: '1h', windows: ['15m'] });
    const label = db === ':memory:' ? 'memory' : 'sqlite';
    try {
      const body = JSON.stringify(profile('up', FEATURES));
      await time(`REST upload of a ${FEATURES}-feature profile (${(body.length / 1024).toFixed(0)} KiB), ${label}`, 20, () =>
        fetch(`${c.url}/api/v1/models/up/baselines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.text()),
      );
      let seq = 0;
      const per = await time(`REST push of a 20-feature window, ${label}`, 500, () =>
        fetch(`${c.url}/api/v1/models/up/windows`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(pushed('up', 20, seq++, Date.now())),
        }).then((r) => r.text()),
      );
      console.log(`  => ${(1000 / per).toFixed(0)} pushes/s sequential, ${label}`);
    } finally {
      await c.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

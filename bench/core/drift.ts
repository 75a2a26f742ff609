/**
 * Drift evaluation time for 1,000 features (800 numeric with 22 bins, 200 categorical with 20
 * categories + other; 20 calibration chunks). Reports the first call (thresholds calibrated from
 * the chunks, then cached per profile) and the steady state, for the default methods on a large
 * window (Wasserstein / Jensen–Shannon) and a small one (KS / chi-square p-values).
 * Run: npx tsx bench/core/drift.ts
 */
import { computeDrift, type BaselineProfile, type FeatureProfile, type LiveWindow } from '../../core/src/index.js';

const NUMERIC = 800;
const CATEGORICAL = 200;
const CHUNKS = 20;
let seed = 12345;
const uniform = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);

function multinomial(probs: number[], n: number): number[] {
  const counts = probs.map((p) => Math.floor(p * n));
  let rest = n - counts.reduce((a, b) => a + b, 0);
  while (rest-- > 0) counts[Math.floor(uniform() * counts.length)]!++;
  return counts.map((c) => Math.max(0, Math.round(c * (0.9 + 0.2 * uniform()))));
}

function buildBaseline(): BaselineProfile {
  const features: FeatureProfile[] = [];
  const chunks = Array.from({ length: CHUNKS }, () => ({ rows: 5000, counts: {} as Record<string, number[]>, missing: {} as Record<string, number> }));
  for (let f = 0; f < NUMERIC + CATEGORICAL; f++) {
    const numeric = f < NUMERIC;
    const bins = numeric ? 22 : 21;
    const probs = Array.from({ length: bins }, (_, i) => (numeric && (i === 0 || i === bins - 1) ? 0.001 : 1 / (bins - 2)));
    const chunkCounts = chunks.map(() => multinomial(probs, 5000));
    const counts = probs.map((_, i) => chunkCounts.reduce((s, c) => s + c[i]!, 0));
    const count = counts.reduce((a, b) => a + b, 0);
    chunks.forEach((c, i) => {
      c.counts[`f${f}`] = chunkCounts[i]!;
      c.missing[`f${f}`] = 0;
    });
    if (numeric) {
      const edges = Array.from({ length: bins - 1 }, (_, i) => i);
      features.push({ name: `f${f}`, type: 'numeric', count, missing: 0, min: 0, max: bins - 2, mean: 10, std: 5.8, bins: { edges, counts } });
    } else {
      const categories = counts.slice(0, -1).map((c, i) => ({ value: `c${i}`, count: c }));
      features.push({ name: `f${f}`, type: 'categorical', count, missing: 0, categories, otherCount: counts[counts.length - 1]! });
    }
  }
  return { schema: 'modelwatch.baseline/v1', model: 'bench', createdAt: new Date().toISOString(), rows: 100_000, features, outputs: [], chunks };
}

function buildWindow(baseline: BaselineProfile, rows: number): LiveWindow {
  return {
    model: 'bench',
    window: '1h',
    start: '',
    end: '',
    features: baseline.features.map((f) => {
      const bins = f.type === 'numeric' ? f.bins.counts.length : f.categories.length + 1;
      return { name: f.name, type: f.type, counts: multinomial(Array(bins).fill(1 / bins), rows), missing: 0 };
    }),
    outputs: [],
  };
}

function time(label: string, baseline: BaselineProfile, window: LiveWindow): void {
  const t0 = performance.now();
  computeDrift(baseline, window);
  const first = performance.now() - t0;
  const runs: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    const c = process.cpuUsage();
    computeDrift(baseline, window);
    const d = process.cpuUsage(c);
    runs.push(performance.now() - s);
    cpu.push((d.user + d.system) / 1000);
  }
  runs.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  // CPU time as well as wall time: on a shared machine the wall clock includes waiting for a core.
  console.log(
    `${label.padEnd(50)} first ${first.toFixed(1).padStart(6)} ms   median ${runs[25]!.toFixed(2).padStart(6)} ms (cpu ${cpu[25]!.toFixed(2)} ms)   p95 ${runs[47]!.toFixed(2).padStart(6)} ms`,
  );
}

console.log(`node ${process.version}, ${NUMERIC + CATEGORICAL} features (${NUMERIC} numeric, ${CATEGORICAL} categorical), ${CHUNKS} chunks\n`);
time('window 50,000 rows (wasserstein / jensenshannon)', buildBaseline(), buildWindow(buildBaseline(), 50_000));
const small = buildBaseline();
time('window 500 rows (ks / chisquare p-values)', small, buildWindow(small, 500));

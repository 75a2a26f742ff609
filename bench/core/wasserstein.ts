/**
 * Cost of one binned Wasserstein call (`wassersteinShaped`) on a real profile, with and without
 * the within-bin sampling noise, side by side in one run: a streaming profile (KLL sketch, ≈ 850
 * knots) of 50,000 log-normal values and the DuckDB profile's 200-point sketch shape of the same
 * data; windows of the same distribution (the noise is evaluated everywhere) and scaled × 1.5
 * (the noise is skipped where the gap is far beyond it). Minimum of 15 rounds of 2,000 calls.
 * Run: npx tsx bench/core/wasserstein.ts
 */
import { loadavg } from 'node:os';
import { ProfileBuilder, binCounts, binShape, wassersteinShaped, type NumericFeatureProfile } from '../../core/src/index.js';

let seed = 5;
const uniform = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const lognormal = () => Math.exp(1.5 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
const a = Array.from({ length: 50_000 }, lognormal);
const b = Array.from({ length: 20_000 }, lognormal);
const builder = new ProfileBuilder({ model: 'bench' });
for (const x of a) builder.add({ x });
builder.startBinning();
for (const x of a) builder.add({ x });
const kll = builder.finish().features[0] as NumericFeatureProfile;
// The DuckDB profile keeps 201 quantiles as one level of equally weighted points.
const sorted = Float64Array.from(a).sort();
const points = Array.from({ length: 201 }, (_, i) => sorted[Math.floor((i / 200) * (sorted.length - 1))]!);
const duck: NumericFeatureProfile = { ...kll, sketch: { type: 'kll', k: 200, n: a.length, min: kll.min, max: kll.max, levels: [[], [], [], [], [], [], [], [], points] } };

console.log(`node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const [name, f] of [['KLL sketch (streaming profile)', kll], ['200-point sketch (DuckDB profile)', duck]] as const) {
  const shape = binShape(f);
  const knots = shape.xs.reduce((s, x) => s + (x?.length ?? 0), 0);
  const windows = { same: binCounts(f, b).counts, 'scaled x1.5': binCounts(f, b.map((x) => x * 1.5)).counts };
  const best: Record<string, number> = {};
  for (let round = 0; round < 15; round++) {
    for (const [w, counts] of Object.entries(windows)) {
      for (const sampling of [false, true]) {
        let acc = 0;
        const t0 = performance.now();
        for (let i = 0; i < 2000; i++) acc += wassersteinShaped(f.bins.edges, f.bins.counts, counts, shape, { sampling });
        const us = ((performance.now() - t0) * 1000) / 2000;
        if (!(acc > 0)) throw new Error('no distance');
        const key = `${w}, ${sampling ? 'with noise' : 'without'}`;
        best[key] = Math.min(best[key] ?? Infinity, us);
      }
    }
  }
  console.log(`\n${name}: ${knots} knots`);
  for (const w of Object.keys(windows)) {
    const off = best[`${w}, without`]!;
    const on = best[`${w}, with noise`]!;
    console.log(`  window ${w.padEnd(12)} without noise ${off.toFixed(1).padStart(6)} µs   with noise ${on.toFixed(1).padStart(6)} µs   ${(on / off).toFixed(2)}x`);
  }
}

/**
 * Binned Wasserstein against SciPy's raw `wasserstein_distance` (÷ the baseline std, as the drift
 * method scores it), on skewed synthetic samples and a real heavy-tailed column (flight delays
 * from vega-datasets), with the default 20 bins. Bounds as documented in docs/drift.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProfileBuilder, binCounts, binShape, wassersteinFromCounts, wassersteinShaped, type NumericFeatureProfile } from '@modelwatch/core';
import { rng, scipy } from '../helpers/scipy.js';

type Kind = 'normal' | 'exponential' | 'lognormal' | 'pareto';

function draw(kind: Kind, n: number, seed: number, scale = 1): number[] {
  const r = rng(seed);
  const z = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const one: Record<Kind, () => number> = {
    normal: () => scale * z(),
    exponential: () => -scale * Math.log(1 - r()),
    lognormal: () => scale * Math.exp(1.5 * z()),
    pareto: () => scale * (1 - r()) ** (-1 / 1.5),
  };
  return Array.from({ length: n }, one[kind]);
}

function profileOf(values: number[]): NumericFeatureProfile {
  const b = new ProfileBuilder({ model: 'm' });
  for (const x of values) b.add({ x });
  b.startBinning();
  for (const x of values) b.add({ x });
  return b.finish().features[0] as NumericFeatureProfile;
}

interface Case {
  name: string;
  a: number[];
  b: number[];
  /** Documented bound: relative error, or absolute error of the normed distance, whichever is looser. */
  rel: number;
  abs: number;
}

const GOAL = { rel: 0.1, abs: 0.005 };
const flights = JSON.parse(readFileSync('node_modules/vega-datasets/data/flights-200k.json', 'utf8')) as { delay: number; time: number }[];
/** The eight synthetic cases at one pair of sizes (baseline, window). */
function synthetic(na: number, nb: number): Case[] {
  const size = `${na / 1000}k / ${nb / 1000}k`;
  return [
    { name: `normal, same distribution, ${size}`, a: draw('normal', na, 1), b: draw('normal', nb, 2), ...GOAL },
    { name: `normal, scale × 1.2, ${size}`, a: draw('normal', na, 3), b: draw('normal', nb, 4, 1.2), ...GOAL },
    { name: `exponential, same distribution, ${size}`, a: draw('exponential', na, 1), b: draw('exponential', nb, 2), ...GOAL },
    { name: `exponential, scale × 1.2, ${size}`, a: draw('exponential', na, 3), b: draw('exponential', nb, 4, 1.2), ...GOAL },
    { name: `log-normal σ = 1.5, same distribution, ${size}`, a: draw('lognormal', na, 1), b: draw('lognormal', nb, 2), ...GOAL },
    { name: `log-normal σ = 1.5, scale × 1.2, ${size}`, a: draw('lognormal', na, 3), b: draw('lognormal', nb, 4, 1.2), ...GOAL },
    // Two samples of one Pareto(1.5) differ by their few extreme values, which no histogram sees:
    // the raw distance is that sampling noise, which the estimate adds as its expectation.
    { name: `Pareto α = 1.5, same distribution, ${size}`, a: draw('pareto', na, 1), b: draw('pareto', nb, 2), ...GOAL },
    { name: `Pareto α = 1.5, scale × 1.2, ${size}`, a: draw('pareto', na, 3), b: draw('pareto', nb, 4, 1.2), ...GOAL },
  ];
}

const cases: Case[] = [
  ...synthetic(50_000, 20_000),
  ...synthetic(200_000, 100_000),
  {
    name: 'flight delays, morning vs evening departures',
    a: flights.filter((f) => f.time < 12).map((f) => f.delay),
    b: flights.filter((f) => f.time >= 17).map((f) => f.delay),
    ...GOAL,
  },
  { name: 'flight delays, first vs second 100k rows', a: flights.slice(0, 100_000).map((f) => f.delay), b: flights.slice(100_000).map((f) => f.delay), ...GOAL },
];

describe('wassersteinShaped (binned, shaped by the baseline sketch)', () => {
  const raw = scipy<number[]>(`out = [float(st.wasserstein_distance(c['a'], c['b']) / np.std(c['a'])) for c in data]`, cases.map(({ a, b }) => ({ a, b })));

  it('estimates SciPy raw wasserstein_distance / std within the documented bounds with 20 bins', () => {
    cases.forEach((c, i) => {
      const f = profileOf(c.a);
      const w = binCounts(f, c.b).counts;
      const got = wassersteinShaped(f.bins.edges, f.bins.counts, w, binShape(f)) / f.std;
      const err = Math.abs(got - raw[i]!);
      expect(err <= c.rel * raw[i]! || err <= c.abs, `${c.name}: binned ${got} vs raw ${raw[i]} (error ${err})`).toBe(true);
    });
  });

  it('is several times closer to the raw value than bin midpoints on the real delay column', () => {
    const c = cases.find((x) => x.name.startsWith('flight delays, morning'))!;
    const f = profileOf(c.a);
    const w = binCounts(f, c.b).counts;
    const r = raw[cases.indexOf(c)]!;
    const midpoints = wassersteinFromCounts(f.bins.edges, f.bins.counts, w) / f.std;
    const shaped = wassersteinShaped(f.bins.edges, f.bins.counts, w, binShape(f)) / f.std;
    // Midpoints put the top bin's mass halfway to the longest delay: about 7× the raw value.
    expect(midpoints / r).toBeGreaterThan(4);
    expect(Math.abs(shaped - r)).toBeLessThan(Math.abs(midpoints - r) / 20);
  });

  it('without the sampling noise, is zero for identical counts and exact for point masses moved across a uniform bin', () => {
    const f = profileOf(draw('exponential', 5_000, 9));
    expect(wassersteinShaped(f.bins.edges, f.bins.counts, f.bins.counts, binShape(f), { sampling: false })).toBeLessThan(1e-12);
    // No sketch, one inner bin (0, 1]: half the mass moves from the point at the min (0) to the
    // point at the max (1), the other half stays uniform: the distance is exactly 0.5.
    expect(wassersteinShaped([0, 1], [1, 1, 0], [0, 1, 1], undefined, { sampling: false })).toBeCloseTo(0.5, 12);
    expect(wassersteinShaped([0, 1], [1, 1, 0], [1, 1, 0], undefined, { sampling: false })).toBe(0);
  });

  it('adds the expected raw distance of two samples with the same counts, shrinking as 1/√n', () => {
    // One uniform bin (0, 1], no sketch, n values on each side: inside it each empirical CDF is
    // n draws from U(0, 1), so E|F_1(t) − F_2(t)| = E|σZ| = √(2/π)·√(2t(1 − t)/n) to first order;
    // integrated over t: √(2/π)·√(2/n)·π/8.
    for (const n of [1_000, 100_000]) {
      const expected = Math.sqrt(2 / Math.PI) * Math.sqrt(2 / n) * (Math.PI / 8);
      expect(wassersteinShaped([0, 1], [0, n, 0], [0, n, 0]) / expected).toBeCloseTo(1, 2);
    }
    // Against a shift far beyond the noise, the noise adds (almost) nothing.
    const f = profileOf(draw('normal', 50_000, 11));
    const shifted = binCounts(f, draw('normal', 50_000, 12).map((x) => x + 1)).counts;
    const withNoise = wassersteinShaped(f.bins.edges, f.bins.counts, shifted, binShape(f));
    const without = wassersteinShaped(f.bins.edges, f.bins.counts, shifted, binShape(f), { sampling: false });
    expect(withNoise / without - 1).toBeLessThan(0.01);
  });
});

describe('binShape', () => {
  it('is uniform inside each bin for a profile without a sketch', () => {
    const f = profileOf(draw('normal', 2_000, 5));
    delete f.sketch;
    const shape = binShape(f);
    expect(Array.from(shape.gs[1]!)).toEqual([0, 1]);
    expect(Array.from(shape.xs[1]!)).toEqual([f.bins.edges[0], f.bins.edges[1]]);
  });
});

import { describe, expect, it } from 'vitest';
import { ks2samp, wasserstein, chiSquare } from '@modelwatch/core';
import { close, normals, rng, scipy, TOL } from '../helpers/scipy.js';

interface Pair {
  a: number[];
  b: number[];
}

function ksCases(): Pair[] {
  const r = rng(7);
  const ints = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10));
  return [
    { a: normals(500, 1), b: normals(800, 2, 0.1) },
    { a: normals(3000, 3), b: normals(2000, 4, 0.05, 1.1) },
    { a: normals(12000, 5), b: normals(11000, 6, 0.02) },
    { a: normals(60, 7), b: normals(45, 8, 0.8) },
    { a: ints(400), b: ints(300) }, // many ties
    { a: [1], b: [2] }, // one sample each
    { a: [0.5], b: normals(200, 9) },
    { a: Array(50).fill(3), b: Array(70).fill(3) }, // constant, identical
    { a: Array(50).fill(3), b: Array(70).fill(4) }, // constant, disjoint
    { a: normals(200000, 10), b: normals(150000, 11, 0.003) }, // Pelz–Good / large n branch
    { a: normals(1500, 12), b: normals(1500, 13, 0.25) }, // equal sizes
  ];
}

describe('ks2samp', () => {
  it('matches scipy ks_2samp(method="asymp") statistic and p-value to 1e-9', () => {
    const cases = ksCases();
    const expected = scipy<[number, number | null][]>(
      `out = [[float(r.statistic), float(r.pvalue)] for r in (st.ks_2samp(c['a'], c['b'], method='asymp') for c in data)]`,
      cases,
    );
    cases.forEach((c, i) => {
      const got = ks2samp(c.a, c.b, 'asymp');
      expect(Math.abs(got.statistic - expected[i]![0]), `case ${i} statistic`).toBeLessThanOrEqual(TOL);
      expect(close(got.pValue, expected[i]![1]), `case ${i} p-value ${got.pValue} vs ${expected[i]![1]}`).toBe(true);
    });
    // Two single values: n = round(0.5) = 0, SciPy's p-value is NaN and so is ours.
    expect(expected[5]![1]).toBeNull();
  });

  it('matches scipy ks_2samp default (method="auto": exact up to 10,000 values) to 1e-9', () => {
    const r = rng(21);
    const ints = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 6));
    const cases: Pair[] = [
      ...ksCases(),
      { a: normals(10, 31), b: normals(12, 32, 1) }, // tiny samples
      { a: normals(7, 33), b: normals(7, 34, 2) }, // equal sizes: the closed alternating sum
      { a: normals(100, 35), b: normals(100, 36, 0.1) },
      { a: normals(9999, 37), b: normals(3, 38) }, // very unequal sizes
      { a: normals(10_000, 39), b: normals(10_000, 40, 0.03) }, // the largest exact case
      { a: normals(10_001, 41), b: normals(500, 42, 0.1) }, // one past it: asymptotic
      { a: normals(250, 43), b: normals(375, 44, 0.4) }, // gcd 125
      { a: ints(90), b: ints(61) }, // ties
      { a: normals(40, 45), b: normals(40, 46, 5) }, // fully separated: p at its smallest
    ];
    const expected = scipy<[number, number | null][]>(`out = [[float(r.statistic), float(r.pvalue)] for r in (st.ks_2samp(c['a'], c['b']) for c in data)]`, cases);
    cases.forEach((c, i) => {
      const got = ks2samp(c.a, c.b);
      expect(Math.abs(got.statistic - expected[i]![0]), `case ${i} statistic`).toBeLessThanOrEqual(TOL);
      expect(close(got.pValue, expected[i]![1]), `case ${i} p-value ${got.pValue} vs ${expected[i]![1]}`).toBe(true);
    });
    // The exact branch really differs from the asymptotic one where it matters (small samples).
    const small = cases[ksCases().length]!;
    expect(Math.abs(ks2samp(small.a, small.b).pValue - ks2samp(small.a, small.b, 'asymp').pValue)).toBeGreaterThan(1e-4);
  });

  it('returns NaN for an empty sample instead of throwing', () => {
    expect(ks2samp([], [1, 2]).statistic).toBeNaN();
  });
});

describe('wasserstein', () => {
  it('matches scipy wasserstein_distance on raw and weighted samples to 1e-9', () => {
    const r = rng(21);
    const cases = [
      { u: normals(1000, 1), v: normals(700, 2, 0.3, 2) },
      { u: [0, 1, 3], v: [5, 6, 8] },
      { u: [1], v: [1] },
      { u: Array(20).fill(2), v: normals(30, 3) },
      { u: [0, 1, 2, 3], v: [0, 1, 2, 3], uw: [1, 0, 0, 1], vw: [0, 2, 2, 0] },
      { u: normals(300, 4), v: normals(200, 5), uw: Array.from({ length: 300 }, () => r()), vw: Array.from({ length: 200 }, () => r() * 3) },
    ];
    const expected = scipy<number[]>(`out = [st.wasserstein_distance(c['u'], c['v'], c.get('uw'), c.get('vw')) for c in data]`, cases);
    cases.forEach((c, i) => {
      expect(Math.abs(wasserstein(c.u, c.v, c.uw, c.vw) - expected[i]!), `case ${i}`).toBeLessThanOrEqual(TOL);
    });
  });
});

describe('chiSquare', () => {
  it('matches scipy chisquare statistic and p-value to 1e-9', () => {
    const cases = [
      { o: [10, 20, 30, 40], e: [25, 25, 25, 25] },
      { o: [5, 0, 7], e: [4, 1, 7] },
      { o: [1000, 1010, 990, 1005, 995], e: [1000, 1000, 1000, 1000, 1000] },
      { o: [1, 2], e: [1.5, 1.5] },
      { o: Array.from({ length: 300 }, (_, i) => 100 + (i % 7)), e: Array(300).fill(103 - 3 / 7 + 3 / 7) },
    ];
    // Equalise sums exactly as scipy requires.
    for (const c of cases) {
      const so = c.o.reduce((a, b) => a + b, 0);
      const se = c.e.reduce((a, b) => a + b, 0);
      c.e = c.e.map((x) => (x * so) / se);
    }
    const expected = scipy<[number, number][]>(`out = [list(st.chisquare(c['o'], c['e'])) for c in data]`, cases);
    cases.forEach((c, i) => {
      const got = chiSquare(c.o, c.e);
      expect(Math.abs(got.statistic - expected[i]![0]), `case ${i} statistic`).toBeLessThanOrEqual(TOL * Math.max(1, expected[i]![0]));
      expect(Math.abs(got.pValue - expected[i]![1]), `case ${i} p-value`).toBeLessThanOrEqual(TOL);
    });
  });
});

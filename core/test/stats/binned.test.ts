import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  chi2Sf,
  chiSquare,
  chiSquareFromCounts,
  hellinger,
  jensenShannon,
  kolmogorovSf,
  ks2samp,
  ksFromCounts,
  lInfinity,
  psi,
  wasserstein,
  wassersteinFromCounts,
  binMidpoints,
  ProfileBuilder,
  binCounts,
  type NumericFeatureProfile,
} from '@modelwatch/core';
import { close, normals, rng, scipy, TOL } from '../helpers/scipy.js';

function countsCases(): { p: number[]; q: number[] }[] {
  const r = rng(3);
  const rand = (k: number, zeros = 0) => Array.from({ length: k }, (_, i) => (i < zeros ? 0 : Math.floor(r() * 500)));
  return [
    { p: rand(22), q: rand(22) },
    { p: rand(22, 3), q: rand(22, 1) }, // empty bins on both sides
    { p: [10, 0, 5], q: [0, 7, 5] }, // disjoint support in places
    { p: [1, 1, 1], q: [1, 1, 1] }, // identical
    { p: [100], q: [3] }, // one bin
    { p: [0, 0, 9], q: [4, 0, 0] },
  ];
}

describe('jensenShannon (log base 2)', () => {
  it('matches scipy jensenshannon(p, q, base=2) to 1e-9, including empty bins', () => {
    const cases = countsCases();
    const expected = scipy<number[]>(`out = [distance.jensenshannon(c['p'], c['q'], base=2) for c in data]`, cases);
    cases.forEach((c, i) => expect(close(jensenShannon(c.p, c.q), expected[i]!), `case ${i}`).toBe(true));
  });

  it('is 1 for disjoint supports and NaN when one side is empty', () => {
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(jensenShannon([0, 0], [0, 1])).toBeNaN();
  });
});

describe('psi, hellinger, l-infinity', () => {
  it('match the numpy formulas to 1e-9', () => {
    const cases = countsCases();
    const expected = scipy<[number, number, number][]>(
      `out = []
for c in data:
    p = np.array(c['p'], float); q = np.array(c['q'], float); p /= p.sum(); q /= q.sum()
    a = np.maximum(p, 1e-4); b = np.maximum(q, 1e-4)
    out.append([float(np.sum((b - a) * np.log(b / a))), float(np.linalg.norm(np.sqrt(p) - np.sqrt(q)) / np.sqrt(2)), float(np.max(np.abs(p - q)))])`,
      cases,
    );
    cases.forEach((c, i) => {
      expect(close(psi(c.p, c.q), expected[i]![0]), `psi ${i}`).toBe(true);
      expect(close(hellinger(c.p, c.q), expected[i]![1]), `hellinger ${i}`).toBe(true);
      expect(close(lInfinity(c.p, c.q), expected[i]![2]), `linf ${i}`).toBe(true);
    });
  });
});

describe('chiSquareFromCounts', () => {
  it('drops bins empty on both sides, smooths unseen baseline bins, and then matches scipy chisquare', () => {
    const baseline = [0, 120, 300, 0, 80, 0];
    const window = [0, 30, 60, 0, 10, 4];
    const got = chiSquareFromCounts(baseline, window);
    const kept = [120.5, 300.5, 80.5, 0.5];
    const obs = [30, 60, 10, 4];
    const total = 104;
    const expected = scipy<[number, number]>(`out = list(st.chisquare(data['o'], data['e']))`, {
      o: obs,
      e: kept.map((k) => (k / kept.reduce((a, b) => a + b, 0)) * total),
    });
    expect(Math.abs(got.statistic - expected[0])).toBeLessThanOrEqual(TOL);
    expect(Math.abs(got.pValue - expected[1])).toBeLessThanOrEqual(TOL);
  });

  it('says identical single-bin histograms agree', () => {
    expect(chiSquareFromCounts([0, 50, 0], [0, 7, 0])).toEqual({ statistic: 0, pValue: 1 });
  });
});

describe('special functions', () => {
  it('kolmogorovSf matches scipy kstwo.sf on every algorithm branch to 1e-9', () => {
    const grid: [number, number][] = [];
    for (const n of [1, 2, 5, 10, 37, 100, 140, 141, 500, 1000, 5000, 20000, 100001, 400000]) {
      for (const x of [0.0005, 0.002, 0.01, 0.03, 0.05, 0.08, 0.12, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 0.99]) grid.push([n, x]);
    }
    const expected = scipy<(number | null)[]>(`out = [float(st.kstwo.sf(x, n)) for n, x in data]`, grid);
    grid.forEach(([n, x], i) => expect(close(kolmogorovSf(n, x), expected[i]!), `n=${n} x=${x}: ${kolmogorovSf(n, x)} vs ${expected[i]}`).toBe(true));
  });

  it('chi2Sf matches scipy chi2.sf to 1e-9', () => {
    const grid: [number, number][] = [];
    for (const df of [1, 2, 3, 10, 21, 49, 200, 1000]) for (const x of [0, 0.01, 0.5, 1, 5, 20, 60, 250, 1100]) grid.push([x, df]);
    const expected = scipy<number[]>(`out = [float(st.chi2.sf(x, df)) for x, df in data]`, grid);
    grid.forEach(([x, df], i) => expect(close(chi2Sf(x, df), expected[i]!), `x=${x} df=${df}`).toBe(true));
  });
});

/** Seattle daily weather, 1461 real rows: a real-ish distribution with ties and skew. */
function seattle(): Record<string, number[]> {
  const lines = readFileSync('node_modules/vega-datasets/data/seattle-weather.csv', 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const cols: Record<string, number[]> = {};
  for (const h of header.slice(1, 5)) cols[h] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    header.slice(1, 5).forEach((h, i) => cols[h]!.push(Number(f[i + 1])));
  }
  return cols;
}

function profileOf(values: number[], bins = 20): NumericFeatureProfile {
  const b = new ProfileBuilder({ model: 'm', features: [{ name: 'x', type: 'numeric' }], bins });
  for (const v of values) b.add({ x: v });
  b.startBinning();
  for (const v of values) b.add({ x: v });
  return b.finish().features[0] as NumericFeatureProfile;
}

describe('binned vs raw statistics on real data', () => {
  const data = seattle();

  it('KS from bin counts never exceeds the raw statistic and stays within the documented bound', () => {
    for (const name of Object.keys(data)) {
      const all = data[name]!;
      const base = all.slice(0, 1000);
      const recent = all.slice(1000); // the last ~15 months: season and year differ
      const profile = profileOf(base);
      const windowCounts = binCounts(profile, recent).counts;
      const binned = ksFromCounts(profile.bins.counts, windowCounts);
      const raw = ks2samp(base, recent);
      expect(binned.statistic, name).toBeLessThanOrEqual(raw.statistic + 1e-12);
      expect(raw.statistic - binned.statistic, name).toBeLessThanOrEqual(binned.bound + 1e-12);
    }
  });

  it('Wasserstein from bin counts equals scipy on the bin midpoints and is near the raw distance', () => {
    const base = data.temp_max!.slice(0, 1000);
    const recent = normals(800, 17, 20, 6); // a shifted, wider window
    const profile = profileOf(base);
    const w = binCounts(profile, recent).counts;
    const got = wassersteinFromCounts(profile.bins.edges, profile.bins.counts, w);
    const mids = Array.from(binMidpoints(profile.bins.edges));
    const expected = scipy<number>(`out = st.wasserstein_distance(data['m'], data['m'], data['b'], data['w'])`, { m: mids, b: profile.bins.counts, w });
    expect(Math.abs(got - expected)).toBeLessThanOrEqual(TOL);
    const raw = wasserstein(base, recent);
    // Error bound: half the widest inner bin, plus mass beyond the outer edges (none far here).
    const widths = profile.bins.edges.slice(1).map((e, i) => e - profile.bins.edges[i]!);
    const beyond = recent.reduce((s, v) => s + Math.max(0, profile.min - v, v - profile.max), 0) / recent.length;
    expect(Math.abs(got - raw)).toBeLessThanOrEqual(Math.max(...widths) / 2 + beyond);
  });

  it('chi-square on binned counts agrees with scipy on the same counts', () => {
    const base = data.wind!;
    const profile = profileOf(base);
    const w = binCounts(profile, normals(500, 19, 3.5, 1.5)).counts;
    const got = chiSquareFromCounts(profile.bins.counts, w);
    const keep = profile.bins.counts.map((b, i) => [b, w[i]!]).filter(([b, x]) => b! > 0 || x! > 0);
    const smooth = keep.some(([b]) => b === 0) ? 0.5 : 0;
    const sb = keep.reduce((s, [b]) => s + b! + smooth, 0);
    const expected = scipy<[number, number]>(`out = list(st.chisquare(data['o'], data['e']))`, {
      o: keep.map(([, x]) => x),
      e: keep.map(([b]) => ((b! + smooth) / sb) * 500),
    });
    expect(Math.abs(got.statistic - expected[0])).toBeLessThanOrEqual(TOL * Math.max(1, expected[0]));
    expect(Math.abs(got.pValue - expected[1])).toBeLessThanOrEqual(TOL);
    expect(chiSquare([1], [1]).pValue).toBeNaN();
  });
});

import { describe, expect, it } from 'vitest';
import { ProfileBuilder, mergeProfiles, parseBaselineProfile, type BaselineProfile, type NumericFeatureProfile, type CategoricalFeatureProfile } from '@modelwatch/core';
import { normals, rng } from '../helpers/scipy.js';

function createRows(n: number, seed: number, shift = 0): Record<string, unknown>[] {
  const r = rng(seed);
  return normals(n, seed, 5 + shift, 2).map((x) => ({ x, c: ['a', 'b', 'c', 'd'][Math.floor(r() * 4)] }));
}

function profile(rows: Record<string, unknown>[], options: { chunkRows?: number } = {}): BaselineProfile {
  const b = new ProfileBuilder({ model: 'm', features: [{ name: 'x', type: 'numeric' }, { name: 'c', type: 'categorical' }], chunkRows: 500, ...options });
  for (const r of rows) b.add(r);
  b.startBinning();
  for (const r of rows) b.add(r);
  return b.finish();
}

describe('mergeProfiles', () => {
  const a = profile(createRows(4000, 1));
  const b = profile(createRows(6000, 2, 0.5));
  const whole = profile([...createRows(4000, 1), ...createRows(6000, 2, 0.5)]);
  const merged = mergeProfiles(a, b);

  it('merges counts, missing, min, max, mean and std exactly', () => {
    const m = merged.features[0] as NumericFeatureProfile;
    const w = whole.features[0] as NumericFeatureProfile;
    expect(merged.rows).toBe(10_000);
    expect(m.count).toBe(w.count);
    expect(m.min).toBe(w.min);
    expect(m.max).toBe(w.max);
    expect(Math.abs(m.mean - w.mean)).toBeLessThan(1e-9);
    expect(Math.abs(m.std - w.std)).toBeLessThan(1e-9);
    expect(m.sketch).toMatchObject({ type: 'kll', n: 10_000 });
  });

  it('re-derives edges from the merged sketch when the parts had different edges, and drops chunks', () => {
    const m = merged.features[0] as NumericFeatureProfile;
    const w = whole.features[0] as NumericFeatureProfile;
    expect(merged.metadata?.binning).toBe('sketch');
    expect(merged.chunks).toEqual([]);
    expect(m.bins.counts.reduce((s, c) => s + c, 0)).toBe(10_000);
    // Approximate: each inner edge within the sketch's rank error (1.65%) of the whole profile's.
    m.bins.edges.slice(1, -1).forEach((e, i) => {
      const rank = w.bins.counts.slice(0, w.bins.edges.findIndex((x) => x >= e) + 1).reduce((s, c) => s + c, 0) / 10_000;
      expect(Math.abs(rank - (i + 1) / 20)).toBeLessThan(0.05 + 0.0165);
    });
    expect(() => parseBaselineProfile(JSON.parse(JSON.stringify(merged)))).not.toThrow();
  });

  it('adds bin and chunk counts exactly when both parts share edges and tables', () => {
    const same = mergeProfiles(a, a);
    expect((same.features[0] as NumericFeatureProfile).bins.counts).toEqual((a.features[0] as NumericFeatureProfile).bins.counts.map((c) => 2 * c));
    expect((same.features[1] as CategoricalFeatureProfile).categories).toEqual((a.features[1] as CategoricalFeatureProfile).categories.map((c) => ({ ...c, count: 2 * c.count })));
    expect(same.chunks).toHaveLength(2 * a.chunks.length);
    expect(same.metadata?.binning).toBe('exact');
    expect(() => parseBaselineProfile(JSON.parse(JSON.stringify(same)))).not.toThrow();
  });

  it('merges category tables exactly when every value fits the tables', () => {
    const c = merged.features[1] as CategoricalFeatureProfile;
    const w = whole.features[1] as CategoricalFeatureProfile;
    expect(c.categories).toEqual(w.categories);
    expect(c.otherCount).toBe(0);
  });

  it('refuses to merge profiles of different models', () => {
    expect(() => mergeProfiles(a, { ...b, model: 'other' })).toThrow(/models differ/);
  });
});

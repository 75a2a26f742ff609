import { describe, expect, it } from 'vitest';
import { KllSketch } from '@modelwatch/core';
import { normals } from '../helpers/scipy.js';

/** Largest |estimated rank − true rank| / n over a grid of quantiles. */
function maxRankError(sketch: KllSketch, sortedValues: Float64Array): number {
  let worst = 0;
  for (let q = 0.01; q < 1; q += 0.01) {
    const v = sketch.quantile(q);
    // True normalised rank of v: fraction of values ≤ v.
    let lo = 0;
    let hi = sortedValues.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sortedValues[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    worst = Math.max(worst, Math.abs(lo / sortedValues.length - q));
  }
  return worst;
}

describe('KllSketch', () => {
  const values = normals(200_000, 42, 5, 2);
  const sorted = Float64Array.from(values).sort();

  it('keeps quantile rank error within 1.65% with k = 200 and stays small', () => {
    const s = new KllSketch(200);
    for (const v of values) s.update(v);
    expect(maxRankError(s, sorted)).toBeLessThan(0.0165);
    expect(s.toData().levels.flat().length).toBeLessThan(800);
    expect(s.quantile(0)).toBe(sorted[0]);
    expect(s.quantile(1)).toBe(sorted[sorted.length - 1]);
  });

  it('merges parts into a sketch as accurate as one built on the whole', () => {
    const parts = [new KllSketch(200, 1), new KllSketch(200, 2), new KllSketch(200, 3)];
    values.forEach((v, i) => parts[i % 3]!.update(v));
    const merged = KllSketch.fromData(parts[0]!.toData());
    merged.merge(parts[1]!);
    merged.merge(parts[2]!);
    expect(merged.n).toBe(values.length);
    expect(maxRankError(merged, sorted)).toBeLessThan(0.0165);
  });

  it('round-trips through its JSON form', () => {
    const s = new KllSketch(50);
    for (let i = 0; i < 5000; i++) s.update(i);
    const back = KllSketch.fromData(JSON.parse(JSON.stringify(s.toData())));
    expect(back.quantile(0.5)).toBe(s.quantile(0.5));
    expect(back.n).toBe(5000);
  });
});

import { describe, expect, it } from 'vitest';
import { bucketsToCounts } from '../../src/windows/buckets.js';
import { WindowError } from '../../src/windows/window-source.js';

const le = (pairs: [string, number][]) => pairs.map(([l, value]) => ({ le: l, value }));

describe('bucketsToCounts', () => {
  it('differences cumulative buckets into bins with open outer bins, whatever the sample order', () => {
    const counts = bucketsToCounts([0.5, 1.5], le([['+Inf', 10], ['1.5', 6], ['0.5', 1]]), 'x');
    expect(counts).toEqual([1, 5, 4]);
  });

  it('clamps the small dips that increase() extrapolation can produce to zero', () => {
    expect(bucketsToCounts([1, 2], le([['1', 5], ['2', 4.9999], ['+Inf', 7]]), 'x')).toEqual([5, 0, 2]);
  });

  it('matches edges written in another decimal form', () => {
    expect(bucketsToCounts([1, 0.25e1], le([['1.0', 1], ['2.5', 2], ['+Inf', 2]]), 'x')).toEqual([1, 1, 0]);
  });

  it.each([
    ['a missing +Inf bucket', le([['1', 1], ['2', 2]])],
    ['an extra bucket', le([['1', 1], ['1.5', 1], ['2', 2], ['+Inf', 2]])],
    ['a missing bucket', le([['1', 1], ['+Inf', 2]])],
    ['a shifted edge', le([['1', 1], ['2.01', 2], ['+Inf', 2]])],
    ['a non-numeric bound', le([['1', 1], ['two', 2], ['+Inf', 2]])],
  ])('refuses %s as bucket_mismatch', (_name, samples) => {
    let err: unknown;
    try {
      bucketsToCounts([1, 2], samples, 'feature "x"');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WindowError);
    expect((err as WindowError).reason).toBe('bucket_mismatch');
    expect((err as Error).message).toMatch(/^feature "x"/);
  });
});

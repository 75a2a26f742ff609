import { describe, expect, it } from 'vitest';
import { DELAY_EDGES_SECONDS, delayBucket, delayQuantile } from '../../src/store/delay-buckets.js';

describe('label delay buckets', () => {
  it('puts a delay in the first bucket whose edge is above it', () => {
    expect([0, 999, 1000, 29_999, 30_000, 86_400_000, 10 ** 12].map(delayBucket)).toEqual([0, 0, 1, 5, 6, 18, DELAY_EDGES_SECONDS.length]);
  });

  it('interpolates quantiles within a bucket and stays within the bucket of the exact value', () => {
    const counts = new Array(DELAY_EDGES_SECONDS.length + 1).fill(0);
    // 100 delays of 40-59 s (bucket [30, 60)) and 100 of 2-3 h (bucket [7200, 10800)).
    counts[delayBucket(40_000)] = 100;
    counts[delayBucket(9_000_000)] = 100;
    expect(delayQuantile(counts, 0.5)).toBe(60);
    expect(delayQuantile(counts, 0.25)).toBe(45);
    const p90 = delayQuantile(counts, 0.9)!;
    expect(p90).toBeGreaterThanOrEqual(7200);
    expect(p90).toBeLessThan(10_800);
    expect(delayQuantile(new Array(counts.length).fill(0), 0.5)).toBeUndefined();
  });
});

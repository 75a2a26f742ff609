import { describe, expect, it } from 'vitest';
import { SPLIT_BUCKETS, stickyBucket } from '../../src/routing/sticky-hash.js';

describe('stickyBucket', () => {
  it('gives a key the same bucket every time and spreads sequential ids evenly', () => {
    expect(stickyBucket('user-42')).toBe(stickyBucket('user-42'));
    const deciles = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) deciles[Math.floor((stickyBucket(`user-${i}`) / SPLIT_BUCKETS) * 10)]++;
    // Each tenth of the buckets holds 10% of the keys within half a point.
    for (const d of deciles) expect(Math.abs(d / 100_000 - 0.1)).toBeLessThan(0.005);
  });

  it('stays in range for empty, long and non-ASCII keys', () => {
    for (const key of ['', 'x'.repeat(10_000), 'ユーザー', '\u0000']) {
      const b = stickyBucket(key);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(SPLIT_BUCKETS);
    }
  });
});

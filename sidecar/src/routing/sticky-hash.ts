/** Buckets of the traffic split: weights are applied with 0.01 % resolution. */
export const SPLIT_BUCKETS = 10_000;

/**
 * FNV-1a (32 bit) of a sticky key, folded into [0, SPLIT_BUCKETS). Cheap, stable across restarts
 * and processes (so every replica sends one user to the same variant), and well spread for short
 * ids. Not a secret: the key never leaves the process and never becomes a label.
 */
export function stickyBucket(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche step (murmur3 fmix32): plain FNV keeps sequential ids in neighbouring buckets.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % SPLIT_BUCKETS;
}

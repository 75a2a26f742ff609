/**
 * Label delay is aggregated into fixed buckets (seconds) in the performance rollup, so a window's
 * median and 90th percentile come from summed counts instead of sorting every delay. Quantiles are interpolated
 * within a bucket: within a few percent of the exact value at these widths.
 */
export const DELAY_EDGES_SECONDS = [
  1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 345_600, 604_800,
  1_209_600, 2_592_000,
] as const;

export function delayBucket(ms: number): number {
  for (let i = 0; i < DELAY_EDGES_SECONDS.length; i++) if (ms < DELAY_EDGES_SECONDS[i] * 1000) return i;
  return DELAY_EDGES_SECONDS.length;
}

/** The q-quantile (0..1) of a bucketed delay histogram, in seconds; undefined when empty. */
export function delayQuantile(counts: readonly number[], q: number): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    if (seen + counts[i] >= target) {
      const lo = i === 0 ? 0 : DELAY_EDGES_SECONDS[i - 1];
      if (i === DELAY_EDGES_SECONDS.length) return lo;
      const hi = DELAY_EDGES_SECONDS[i];
      return lo + ((hi - lo) * (target - seen)) / counts[i];
    }
    seen += counts[i];
  }
  return DELAY_EDGES_SECONDS[DELAY_EDGES_SECONDS.length - 1];
}

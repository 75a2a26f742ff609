import { bucketIndex, formatValue } from './exposition.js';

/**
 * One histogram series with its own bucket edges (prom-client allows a single bucket set per
 * metric; modelwatch needs the baseline's bin edges per feature). Counts live in a typed array.
 */
export class HistogramSeries {
  readonly edges: Float64Array;
  /** Per bin, non-cumulative; last entry is the +Inf bin. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private readonly leLabels: string[];

  constructor(edges: readonly number[]) {
    const sorted = [...new Set(edges.filter((e) => Number.isFinite(e)))].sort((a, b) => a - b);
    this.edges = Float64Array.from(sorted);
    this.counts = new Float64Array(sorted.length + 1);
    this.leLabels = [...sorted.map(formatValue), '+Inf'];
  }

  /** v must be finite. */
  observe(v: number): void {
    this.counts[bucketIndex(this.edges, v)]++;
    this.sum += v;
    this.count++;
  }

  /**
   * Appends `_bucket`, `_sum`, `_count` lines; `labels` is the rendered label set without `le`.
   * `sumCount: false` leaves out `_sum` and `_count` (a series budget choice: drift reads only the buckets).
   */
  render(name: string, labels: string, out: string[], sumCount = true): void {
    let cumulative = 0;
    for (let i = 0; i < this.counts.length; i++) {
      cumulative += this.counts[i];
      out.push(`${name}_bucket{${labels},le="${this.leLabels[i]}"} ${cumulative}\n`);
    }
    if (sumCount) out.push(`${name}_sum{${labels}} ${formatValue(this.sum)}\n`, `${name}_count{${labels}} ${this.count}\n`);
  }
}

/** Default buckets when no baseline is loaded: decades both sides of zero with finer steps in between. */
export const DEFAULT_VALUE_BUCKETS = [
  -1e4, -1e3, -100, -10, -1, 0, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1e3, 1e4,
];
export const DEFAULT_CONFIDENCE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];

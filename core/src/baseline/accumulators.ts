/**
 * Per-column state of the profiler. Pass 1 (scan) keeps moments, a KLL sketch and category
 * counts; pass 2 (bin) counts values in the final bins, in total and per chunk. Memory per column
 * is bounded: the sketch is O(k log n) and the category map stops growing at `maxDistinct`.
 */
import type { CategoricalFeatureProfile, FeatureType, NumericFeatureProfile } from './profile.js';
import { KllSketch } from './sketch.js';
import { binIndex } from './binning.js';
import { toCategory, toNumber } from './values.js';

export interface ColumnAccumulator {
  readonly name: string;
  readonly type: FeatureType;
  scan(value: unknown): void;
  /** Freezes bins/categories from pass 1; returns the number of bins (table + other for categorical). */
  freeze(bins: number, topK: number): number;
  /** Pass 2: bin index of a value, or -1 when missing. */
  binOf(value: unknown): number;
  profile(binCounts: number[] | undefined): NumericFeatureProfile | CategoricalFeatureProfile;
  readonly missing: number;
}

export class NumericAccumulator implements ColumnAccumulator {
  readonly type = 'numeric' as const;
  count = 0;
  missing = 0;
  private mean = 0;
  private m2 = 0;
  private sketch: KllSketch;
  private edges: number[] = [];

  constructor(readonly name: string, sketchK: number) {
    this.sketch = new KllSketch(sketchK);
  }

  scan(value: unknown): void {
    const x = toNumber(value);
    if (x === undefined) {
      this.missing++;
      return;
    }
    // Welford's update: stable mean/variance in one pass.
    this.count++;
    const d = x - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (x - this.mean);
    this.sketch.update(x);
  }

  freeze(bins: number): number {
    this.edges = equalFrequencyEdges(this.sketch, bins);
    return this.edges.length + 1;
  }

  binOf(value: unknown): number {
    const x = toNumber(value);
    return x === undefined ? -1 : binIndex(this.edges, x);
  }

  profile(binCounts: number[] | undefined): NumericFeatureProfile {
    const empty = this.count === 0;
    return {
      name: this.name,
      type: 'numeric',
      count: this.count,
      missing: this.missing,
      min: empty ? 0 : this.sketch.min,
      max: empty ? 0 : this.sketch.max,
      mean: this.mean,
      std: empty ? 0 : Math.sqrt(this.m2 / this.count),
      bins: { edges: this.edges, counts: binCounts ?? countsFromSketch(this.sketch, this.edges) },
      sketch: this.sketch.toData(),
    };
  }
}

/** Quantiles at i/bins, i = 0..bins, ties collapsed: bins+1 edges at most, the first the min, the last the max. */
export function equalFrequencyEdges(sketch: KllSketch, bins: number): number[] {
  if (sketch.n === 0) return [];
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) {
    const q = sketch.quantile(i / bins);
    if (edges.length === 0 || q > edges[edges.length - 1]!) edges.push(q);
  }
  return edges;
}

/** Bin counts estimated from the sketch (one-pass profiles): rank differences at the edges, summing to n. */
export function countsFromSketch(sketch: KllSketch, edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  if (sketch.n === 0) return counts;
  let prev = 0;
  edges.forEach((e, i) => {
    const cum = Math.round(sketch.cdf(e) * sketch.n);
    counts[i] = Math.max(0, cum - prev);
    prev = Math.max(prev, cum);
  });
  counts[edges.length] = Math.max(0, sketch.n - prev);
  return counts;
}

export class CategoricalAccumulator implements ColumnAccumulator {
  readonly type = 'categorical' as const;
  count = 0;
  missing = 0;
  private counts = new Map<string, number>();
  /** Occurrences of values evicted from the capped map: they can only be counted as other. */
  private evicted = 0;
  private index = new Map<string, number>();
  private table: { value: string; count: number }[] = [];

  constructor(readonly name: string, private readonly maxDistinct: number) {}

  scan(value: unknown): void {
    const c = toCategory(value);
    if (c === undefined) {
      this.missing++;
      return;
    }
    this.count++;
    const prev = this.counts.get(c);
    if (prev !== undefined) this.counts.set(c, prev + 1);
    else {
      if (this.counts.size >= this.maxDistinct) this.evictHalf();
      this.counts.set(c, 1);
    }
  }

  /** Keeps the most frequent half: a high-cardinality column cannot grow memory without bound. */
  private evictHalf(): void {
    const entries = [...this.counts.entries()].sort((a, b) => b[1] - a[1]);
    for (const [k, n] of entries.slice(Math.floor(entries.length / 2))) {
      this.evicted += n;
      this.counts.delete(k);
    }
  }

  freeze(_bins: number, topK: number): number {
    this.table = [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, topK)
      .map(([value, count]) => ({ value, count }));
    this.index = new Map(this.table.map((c, i) => [c.value, i]));
    return this.table.length + 1;
  }

  binOf(value: unknown): number {
    const c = toCategory(value);
    if (c === undefined) return -1;
    return this.index.get(c) ?? this.table.length;
  }

  profile(binCounts: number[] | undefined): CategoricalFeatureProfile {
    const categories = binCounts ? this.table.map((c, i) => ({ value: c.value, count: binCounts[i]! })) : this.table;
    const inTable = categories.reduce((s, c) => s + c.count, 0);
    return {
      name: this.name,
      type: 'categorical',
      count: this.count,
      missing: this.missing,
      categories,
      otherCount: binCounts ? binCounts[this.table.length]! : this.count - inTable,
    };
  }
}

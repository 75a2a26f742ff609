/**
 * KLL quantile sketch (Karnin, Lang, Liberty 2016), the mergeable sketch stored in a profile.
 * Compactor capacities shrink by 2/3 per level below the top (minimum 8); a compaction sorts a
 * level and promotes every other item (random offset) with double weight. With k = 200 the
 * normalised rank error is about 1.65% (99% confidence, the Apache DataSketches figure for the same
 * k); core/test measures it. The offsets come from a seeded generator so a profile is reproducible.
 */
import type { QuantileSketchData } from './profile.js';

export const KLL_DEFAULT_K = 200;
const MIN_WIDTH = 8;
/**
 * Level 0 holds at least this many items before compacting: fewer, larger sorts (native typed-array
 * sort) instead of one tiny compaction every few updates. Extra items at weight 1 only lower the error.
 */
const LEVEL0_MIN = 256;

export interface KllSketchData extends QuantileSketchData {
  type: 'kll';
  k: number;
  n: number;
  min: number;
  max: number;
  /** levels[h] holds items of weight 2^h. */
  levels: number[][];
}

export class KllSketch {
  readonly k: number;
  n = 0;
  min = Infinity;
  max = -Infinity;
  private levels: number[][] = [[]];
  private size = 0;
  private seed: number;
  /** Capacities per level and their sum, recomputed only when a level is added (hot path). */
  private caps: number[] = [];
  private totalCap = 0;

  constructor(k = KLL_DEFAULT_K, seed = 0x9e3779b9) {
    this.k = k;
    this.seed = seed >>> 0;
    this.updateCapacities();
  }

  static fromData(data: KllSketchData): KllSketch {
    const s = new KllSketch(data.k);
    s.n = data.n;
    s.min = data.n > 0 ? data.min : Infinity;
    s.max = data.n > 0 ? data.max : -Infinity;
    s.levels = data.levels.map((l) => l.slice());
    if (s.levels.length === 0) s.levels = [[]];
    s.size = s.levels.reduce((t, l) => t + l.length, 0);
    s.updateCapacities();
    return s;
  }

  update(x: number): void {
    this.n++;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.levels[0]!.push(x);
    if (++this.size >= this.totalCap) this.compress();
  }

  merge(other: KllSketch): void {
    if (other.n === 0) return;
    while (this.levels.length < other.levels.length) this.levels.push([]);
    this.updateCapacities();
    other.levels.forEach((l, h) => {
      for (const v of l) this.levels[h]!.push(v);
    });
    this.n += other.n;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.size += other.size;
    while (this.size >= this.totalCap) {
      if (!this.compress()) break;
    }
  }

  /** Value at normalised rank q ∈ [0, 1] (q = 0 and 1 give the exact min and max). */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const items = this.weighted();
    const target = q * this.weightTotal(items);
    let acc = 0;
    for (const [v, w] of items) {
      acc += w;
      if (acc >= target) return v;
    }
    return this.max;
  }

  /** Estimated fraction of values ≤ x. */
  cdf(x: number): number {
    if (this.n === 0) return NaN;
    const items = this.weighted();
    let below = 0;
    for (const [v, w] of items) if (v <= x) below += w;
    return below / this.weightTotal(items);
  }

  toData(): KllSketchData {
    return { type: 'kll', k: this.k, n: this.n, min: this.min, max: this.max, levels: this.levels.map((l) => l.slice()) };
  }

  /** The retained items with their weights, sorted by value (the sketch's discrete distribution). */
  items(): [value: number, weight: number][] {
    return this.weighted();
  }

  private weighted(): [number, number][] {
    const items: [number, number][] = [];
    this.levels.forEach((l, h) => {
      const w = 2 ** h;
      for (const v of l) items.push([v, w]);
    });
    return items.sort((a, b) => a[0] - b[0]);
  }

  private weightTotal(items: [number, number][]): number {
    let t = 0;
    for (const [, w] of items) t += w;
    return t;
  }

  private updateCapacities(): void {
    const top = this.levels.length - 1;
    this.caps = this.levels.map((_, h) => Math.max(h === 0 ? LEVEL0_MIN : MIN_WIDTH, Math.ceil(this.k * (2 / 3) ** (top - h))));
    this.totalCap = this.caps.reduce((a, b) => a + b, 0);
  }

  /** Compacts the lowest level at or over its capacity; false when none is. */
  private compress(): boolean {
    for (let h = 0; h < this.levels.length; h++) {
      const level = this.levels[h]!;
      if (level.length < this.caps[h]!) continue;
      if (h + 1 === this.levels.length) {
        this.levels.push([]);
        this.updateCapacities();
      }
      const sortedLevel = Float64Array.from(level).sort();
      // An odd item stays behind so weight is conserved exactly.
      const keep = sortedLevel.length % 2 === 1 ? [sortedLevel[sortedLevel.length - 1]!] : [];
      const even = sortedLevel.length - keep.length;
      const offset = this.nextBit();
      const up = this.levels[h + 1]!;
      for (let i = offset; i < even; i += 2) up.push(sortedLevel[i]!);
      this.levels[h] = keep;
      this.size -= even / 2;
      return true;
    }
    return false;
  }

  private nextBit(): number {
    // xorshift32: cheap, seeded, good enough for a coin flip.
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s >>> 0;
    return this.seed & 1;
  }
}

/**
 * The shape of a baseline's distribution inside each of its bins, from its quantile sketch, so
 * binned statistics need not pretend a bin's mass sits at its midpoint. On skewed data that
 * pretence is badly wrong in the wide bins of the tail: the top inner bin of a delay column spans
 * minutes to hours, yet most of its values sit near its lower edge. Window counts carry no shape
 * of their own; inside a bin they are given the baseline's (the best guess without raw values).
 *
 * A bin's shape is a piecewise-linear conditional CDF G: knots `xs` from the bin's lower to its
 * upper edge, `gs` from 0 to 1. Without a sketch the shape is uniform (one segment).
 */
import type { NumericFeatureProfile } from '../baseline/profile.js';
import { KllSketch, type KllSketchData } from '../baseline/sketch.js';

export interface BinShape {
  /** Per bin (same indexing as counts; the two open outer bins have none): knots and G at them. */
  xs: (Float64Array | undefined)[];
  gs: (Float64Array | undefined)[];
}

const cache = new WeakMap<NumericFeatureProfile, BinShape>();

/** The sketch's CDF as a continuous, piecewise-linear curve through the mid-rank of each item. */
function sketchCurve(data: KllSketchData): { v: Float64Array; f: Float64Array } | undefined {
  if (data.type !== 'kll' || !(data.n > 0)) return undefined;
  const items = KllSketch.fromData(data).items();
  if (items.length === 0) return undefined;
  let total = 0;
  for (const [, w] of items) total += w;
  const v = new Float64Array(items.length + 2);
  const f = new Float64Array(items.length + 2);
  v[0] = data.min;
  f[0] = 0;
  let acc = 0;
  items.forEach(([x, w], k) => {
    v[k + 1] = x;
    f[k + 1] = (acc + w / 2) / total;
    acc += w;
  });
  v[items.length + 1] = data.max;
  f[items.length + 1] = 1;
  return { v, f };
}

/** Linear interpolation of the curve at x (clamped to its ends). */
function at(curve: { v: Float64Array; f: Float64Array }, x: number): number {
  const { v, f } = curve;
  if (x <= v[0]!) return f[0]!;
  if (x >= v[v.length - 1]!) return f[f.length - 1]!;
  let lo = 0;
  let hi = v.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (v[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const span = v[hi]! - v[lo]!;
  return span > 0 ? f[lo]! + ((f[hi]! - f[lo]!) * (x - v[lo]!)) / span : f[hi]!;
}

export function binShape(feature: NumericFeatureProfile): BinShape {
  const hit = cache.get(feature);
  if (hit) return hit;
  const edges = feature.bins.edges;
  const curve = feature.sketch ? sketchCurve(feature.sketch as KllSketchData) : undefined;
  const xs: (Float64Array | undefined)[] = new Array(edges.length + 1).fill(undefined);
  const gs: (Float64Array | undefined)[] = new Array(edges.length + 1).fill(undefined);
  for (let i = 1; i < edges.length; i++) {
    const lo = edges[i - 1]!;
    const hi = edges[i]!;
    if (!(hi > lo)) continue;
    const knots: number[] = [lo];
    if (curve) for (let k = 0; k < curve.v.length; k++) if (curve.v[k]! > lo && curve.v[k]! < hi && curve.v[k]! > knots[knots.length - 1]!) knots.push(curve.v[k]!);
    knots.push(hi);
    const flo = curve ? at(curve, lo) : 0;
    const fhi = curve ? at(curve, hi) : 1;
    const g = new Float64Array(knots.length);
    for (let k = 0; k < knots.length; k++) {
      // A flat stretch of the curve (no sketch item there) falls back to uniform.
      g[k] = curve && fhi > flo ? (at(curve, knots[k]!) - flo) / (fhi - flo) : (knots[k]! - lo) / (hi - lo);
    }
    g[knots.length - 1] = 1;
    xs[i] = Float64Array.from(knots);
    gs[i] = g;
  }
  const shape = { xs, gs };
  cache.set(feature, shape);
  return shape;
}

/** G of bin i at x (clamped to the bin), by linear interpolation between its knots. */
function gAt(xs: Float64Array, gs: Float64Array, x: number): number {
  if (x <= xs[0]!) return 0;
  if (x >= xs[xs.length - 1]!) return 1;
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const w = xs[hi]! - xs[lo]!;
  return w > 0 ? gs[lo]! + ((gs[hi]! - gs[lo]!) * (x - xs[lo]!)) / w : gs[hi]!;
}

/** x where G of bin i reaches u (the first such x). */
function gInverse(xs: Float64Array, gs: Float64Array, u: number): number {
  if (u <= 0) return xs[0]!;
  if (u >= 1) return xs[xs.length - 1]!;
  let lo = 0;
  let hi = gs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (gs[mid]! < u) lo = mid;
    else hi = mid;
  }
  const dg = gs[hi]! - gs[lo]!;
  return dg > 0 ? xs[lo]! + ((xs[hi]! - xs[lo]!) * (u - gs[lo]!)) / dg : xs[hi]!;
}

/** ∫₀¹ |u + v·s| ds. */
function absLinearIntegral(u: number, v: number): number {
  const end = u + v;
  if ((u >= 0 && end >= 0) || (u <= 0 && end <= 0)) return Math.abs(u + v / 2);
  return (u * u + end * end) / (2 * Math.abs(v));
}

/**
 * 1-Wasserstein distance between two histograms over the same bins, ∫ |F_b − F_w| dt, using what
 * is known exactly and interpolating only between it:
 * - the baseline's CDF F_b: its exact cumulative counts at the edges, and inside each bin the shape
 *   of its sketch (uniform without one);
 * - the window's CDF F_w is known exactly at the edges too (its cumulative counts), which pins its
 *   quantile–quantile plot against the baseline at one point per edge: window rank C_w(e) ↔ value
 *   e ↔ baseline value Q_b(C_w(e)). Between edges the QQ plot is taken as linear, so inside a bin the
 *   window has the baseline's shape over the matching range of ranks, stretched onto the bin. A
 *   location or scale change has a straight QQ plot, and then this is exact up to the sketch's
 *   rank error; what it cannot see is the window's shape beyond the training min and max (the
 *   open outer bins, whose mass sits at those edges, as binMidpoints has it).
 */
export function wassersteinShaped(edges: readonly number[], baseline: ArrayLike<number>, window: ArrayLike<number>, shape?: BinShape, perBin?: Float64Array): number {
  const n = edges.length;
  let sp = 0;
  let sq = 0;
  for (let k = 0; k < baseline.length; k++) {
    sp += baseline[k]!;
    sq += window[k]!;
  }
  if (!(sp > 0 && sq > 0)) return NaN;
  if (n < 2) return 0;
  // Cumulative shares at each edge (index i: through bin i).
  const cb = new Float64Array(n + 1);
  const cw = new Float64Array(n + 1);
  for (let i = 0, b = 0, w = 0; i <= n; i++) {
    b += baseline[i]!;
    w += window[i]!;
    cb[i] = b / sp;
    cw[i] = w / sq;
  }
  const xsOf: Float64Array[] = [];
  const gsOf: Float64Array[] = [];
  for (let i = 1; i < n; i++) {
    xsOf[i] = shape?.xs[i] ?? Float64Array.of(edges[i - 1]!, edges[i]!);
    gsOf[i] = shape?.gs[i] ?? Float64Array.of(0, 1);
  }
  const fb = (x: number): number => {
    if (x < edges[0]!) return 0;
    if (x >= edges[n - 1]!) return cb[n - 1]!;
    // First edge ≥ x: bin j holds x (x == e_0 is the point mass of bin 0).
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x <= edges[mid]!) hi = mid;
      else lo = mid + 1;
    }
    if (lo === 0) return cb[0]!;
    return cb[lo - 1]! + (cb[lo]! - cb[lo - 1]!) * gAt(xsOf[lo]!, gsOf[lo]!, x);
  };
  const qb = (r: number): number => {
    if (r <= cb[0]!) return edges[0]!;
    for (let j = 1; j < n; j++) {
      if (r <= cb[j]!) {
        const pj = cb[j]! - cb[j - 1]!;
        return pj > 0 ? gInverse(xsOf[j]!, gsOf[j]!, (r - cb[j - 1]!) / pj) : edges[j]!;
      }
    }
    return edges[n - 1]!;
  };
  // Every baseline knot, sorted: F_b is linear between consecutive ones.
  const all: number[] = [];
  for (let i = 1; i < n; i++) for (const x of xsOf[i]!) all.push(x);
  const knotsB = Float64Array.from(all).sort();
  let dist = 0;
  const points: number[] = [];
  for (let i = 1; i < n; i++) {
    const lo = edges[i - 1]!;
    const hi = edges[i]!;
    if (!(hi > lo)) continue;
    const wLo = cw[i - 1]!;
    const wHi = cw[i]!;
    const isTail = n >= 3 && (i === 1 || i === n - 1);
    points.length = 0;
    points.push(lo, hi);
    for (const x of xsOf[i]!) points.push(x);
    let fw: (t: number) => number;
    if (!(wHi > wLo)) {
      fw = () => wLo;
    } else if (isTail) {
      // The outermost inner bins reach the training min / max, where the QQ plot has no anchor
      // (a window rank of 1 at the max only says that no window value passed it). There the
      // window keeps the baseline's shape, tilted as its density ratio to the baseline changes
      // from the neighbouring bin: H(u) = u + c·(u² − u)/2 in the baseline's within-bin rank u,
      // |c| ≤ 2 so that the window's density stays non-negative.
      const j = i === 1 ? 2 : n - 2;
      const pi = cb[i]! - cb[i - 1]!;
      const pj = cb[j]! - cb[j - 1]!;
      const qj = cw[j]! - cw[j - 1]!;
      let c = 0;
      if (pi > 0 && pj > 0) {
        const ri = (wHi - wLo) / pi;
        const rj = qj / pj;
        // Slope of the ratio per unit of rank, between the two bins' centres, over this bin's rank.
        const slope = (((i === 1 ? rj - ri : ri - rj) / (pi / 2 + pj / 2)) * pi) / ri;
        c = Math.max(-2, Math.min(2, slope));
      }
      const xs = xsOf[i]!;
      const gs = gsOf[i]!;
      fw = (t) => {
        const u = gAt(xs, gs, t);
        return wLo + (wHi - wLo) * (u + (c * (u * u - u)) / 2);
      };
      // The tilt is curved in u: sub-steps keep the piecewise-linear integration close.
      const knots = points.slice();
      for (let k = 0; k + 1 < knots.length; k++) for (let s = 1; s < TAIL_STEPS; s++) points.push(knots[k]! + ((knots[k + 1]! - knots[k]!) * s) / TAIL_STEPS);
    } else {
      // Inside the range, the window's CDF at both edges pins its QQ plot against the baseline
      // at (Q_b(C_w), edge); between the two, the plot is taken as a straight line.
      const qLo = qb(wLo);
      const qHi = qb(wHi);
      if (qHi > qLo) {
        const toBase = (t: number) => qLo + ((t - lo) * (qHi - qLo)) / (hi - lo);
        fw = (t) => Math.min(wHi, Math.max(wLo, fb(toBase(t))));
        for (let k = lowerBound(knotsB, qLo); k < knotsB.length && knotsB[k]! < qHi; k++) points.push(lo + ((knotsB[k]! - qLo) * (hi - lo)) / (qHi - qLo));
      } else {
        // Both window ranks fall in one point mass of the baseline: no shape to borrow.
        fw = (t) => wLo + ((wHi - wLo) * (t - lo)) / (hi - lo);
      }
    }
    points.sort((a, b) => a - b);
    let binDist = 0;
    let prevT = points[0]!;
    // The baseline's CDF inside this bin (its right limit at lo, not the jump of the bin below).
    const pIn = cb[i]! - cb[i - 1]!;
    const fbIn = (t: number) => cb[i - 1]! + pIn * gAt(xsOf[i]!, gsOf[i]!, t);
    let prevD = fbIn(prevT) - fw(prevT);
    for (let k = 1; k < points.length; k++) {
      const t = points[k]!;
      if (!(t > prevT)) continue;
      const d = fbIn(t) - fw(t);
      binDist += (t - prevT) * absLinearIntegral(prevD, d - prevD);
      prevT = t;
      prevD = d;
    }
    if (perBin) perBin[i] = binDist;
    dist += binDist;
  }
  return dist;
}

/** Sub-steps per knot segment in the two tail bins. */
const TAIL_STEPS = 8;

function lowerBound(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

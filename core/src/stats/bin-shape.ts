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

/** Every inner bin's knots in one ascending array, with the bin and G of each: built once per shape. */
interface Knots {
  x: Float64Array;
  bin: Int32Array;
  g: Float64Array;
  /** Bin i's knots are x[start[i]] … x[start[i + 1] − 1]. */
  start: Int32Array;
}

const knotCache = new WeakMap<object, Knots>();

function knotsOf(edges: readonly number[], shape: BinShape | undefined): Knots {
  const key = shape ?? edges;
  const hit = knotCache.get(key);
  if (hit) return hit;
  const x: number[] = [];
  const bin: number[] = [];
  const g: number[] = [];
  const start = new Int32Array(edges.length + 1);
  for (let i = 1; i < edges.length; i++) {
    start[i] = x.length;
    const xs = shape?.xs[i] ?? [edges[i - 1]!, edges[i]!];
    const gs = shape?.gs[i] ?? [0, 1];
    for (let k = 0; k < xs.length; k++) {
      x.push(xs[k]!);
      bin.push(i);
      g.push(gs[k]!);
    }
  }
  start[0] = 0;
  start[edges.length] = x.length;
  const knots = { x: Float64Array.from(x), bin: Int32Array.from(bin), g: Float64Array.from(g), start };
  // Bins are consecutive, so the concatenation is already ascending.
  if (typeof key === 'object') knotCache.set(key, knots);
  return knots;
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
  const K = knotsOf(edges, shape);
  const kx = K.x;
  const nk = kx.length;
  // Scratch, reused across calls (this runs for every numeric feature of every window and chunk):
  // cumulative baseline shares cb[0..n], window shares cw[0..n], F_b at every knot fk[0..nk).
  const need = 2 * (n + 1) + nk;
  if (scratch.length < need) scratch = new Float64Array(need * 2);
  const S = scratch;
  const CW = n + 1;
  const FK = 2 * (n + 1);
  for (let i = 0, b = 0, w = 0; i <= n; i++) {
    b += baseline[i]!;
    w += window[i]!;
    S[i] = b / sp;
    S[CW + i] = w / sq;
  }
  for (let k = 0; k < nk; k++) {
    const j = K.bin[k]!;
    S[FK + k] = S[j - 1]! + (S[j]! - S[j - 1]!) * K.g[k]!;
  }
  let dist = 0;
  for (let i = 1; i < n; i++) {
    const lo = edges[i - 1]!;
    const hi = edges[i]!;
    if (!(hi > lo)) continue;
    const wLo = S[CW + i - 1]!;
    const wHi = S[CW + i]!;
    const base = S[i - 1]!;
    const p = S[i]! - base;
    const q = wHi - wLo;
    const k0 = K.start[i]!;
    const k1 = K.start[i + 1]!;
    let binDist = 0;
    if (n >= 3 && (i === 1 || i === n - 1)) {
      // The outermost inner bins reach the training min / max, where the QQ plot has no anchor
      // (a window rank of 1 at the max only says that no window value passed it). There the
      // window keeps the baseline's shape, tilted as its density ratio to the baseline changes
      // from the neighbouring bin: H(u) = u + c·(u² − u)/2 in the baseline's within-bin rank u,
      // |c| ≤ 2 so that the window's density stays non-negative.
      const j = i === 1 ? 2 : n - 2;
      const pj = S[j]! - S[j - 1]!;
      const qj = S[CW + j]! - S[CW + j - 1]!;
      let c = 0;
      if (p > 0 && pj > 0 && q > 0) {
        const ri = q / p;
        const rj = qj / pj;
        // Slope of the ratio per unit of rank, between the two bins' centres, over this bin's rank.
        c = Math.max(-2, Math.min(2, (((i === 1 ? rj - ri : ri - rj) / (p / 2 + pj / 2)) * p) / ri));
      }
      // u is linear in t between knots, d(u) quadratic: sub-steps keep the integral close.
      const steps = c === 0 ? 1 : TAIL_STEPS;
      for (let k = k0; k + 1 < k1; k++) {
        const width = kx[k + 1]! - kx[k]!;
        if (!(width > 0)) continue;
        const u0 = K.g[k]!;
        const du = (K.g[k + 1]! - u0) / steps;
        let prev = base - wLo + p * u0 - q * (u0 + (c * (u0 * u0 - u0)) / 2);
        let acc = 0;
        for (let s = 1; s <= steps; s++) {
          const u = u0 + du * s;
          const next = base - wLo + p * u - q * (u + (c * (u * u - u)) / 2);
          acc += absLinearIntegral(prev, next - prev);
          prev = next;
        }
        binDist += (width * acc) / steps;
      }
    } else if (!(q > 0)) {
      // No window mass here: F_w is flat at wLo; F_b is linear between this bin's knots.
      for (let k = k0; k + 1 < k1; k++) {
        const d0 = base + p * K.g[k]! - wLo;
        const d1 = base + p * K.g[k + 1]! - wLo;
        binDist += (kx[k + 1]! - kx[k]!) * absLinearIntegral(d0, d1 - d0);
      }
    } else {
      // Inside the range, the window's CDF at both edges pins its QQ plot against the baseline
      // at (Q_b(C_w), edge); between the two, the plot is taken as a straight line, so inside
      // this bin F_w(t) = F_b(qLo + (t − lo)·(qHi − qLo)/(hi − lo)). Both F_b (between its own
      // knots) and F_w (between mapped knots) are linear between the points of the merged knot
      // lists, so |F_b − F_w| integrates exactly segment by segment.
      const qLo = quantileAt(S, FK, kx, wLo, edges[0]!, S[0]!);
      const qHi = quantileAt(S, FK, kx, wHi, edges[0]!, S[0]!);
      if (!(qHi > qLo)) {
        // Both window ranks fall in one point mass of the baseline: no shape to borrow, uniform.
        for (let k = k0; k + 1 < k1; k++) {
          const t0 = kx[k]!;
          const t1 = kx[k + 1]!;
          const d0 = base + p * K.g[k]! - (wLo + (q * (t0 - lo)) / (hi - lo));
          const d1 = base + p * K.g[k + 1]! - (wLo + (q * (t1 - lo)) / (hi - lo));
          binDist += (t1 - t0) * absLinearIntegral(d0, d1 - d0);
        }
      } else {
        const scale = (hi - lo) / (qHi - qLo);
        let a = k0; // next own knot
        let m = lowerBound(kx, qLo); // next mapped baseline knot
        let prevT = NaN;
        let prevD = 0;
        for (;;) {
          const tOwn = a < k1 ? kx[a]! : Infinity;
          const tMapped = m < nk && kx[m]! < qHi ? lo + (kx[m]! - qLo) * scale : Infinity;
          if (tOwn === Infinity && tMapped === Infinity) break;
          let t: number;
          let fb: number;
          let fw: number;
          if (tOwn <= tMapped) {
            t = tOwn;
            fb = base + p * K.g[a]!;
            // F_w at t: F_b at its image y, which lies between baseline knots m − 1 and m.
            const y = qLo + (t - lo) / scale;
            let f: number;
            if (m <= 0) f = S[FK]!;
            else if (m >= nk) f = S[FK + nk - 1]!;
            else {
              const w = kx[m]! - kx[m - 1]!;
              f = w > 0 ? S[FK + m - 1]! + ((S[FK + m]! - S[FK + m - 1]!) * (y - kx[m - 1]!)) / w : S[FK + m]!;
            }
            fw = f < wLo ? wLo : f > wHi ? wHi : f;
            a++;
          } else {
            t = tMapped;
            // F_b inside this bin at t, between own knots a − 1 and a.
            if (a <= k0) fb = base + p * K.g[k0]!;
            else if (a >= k1) fb = base + p;
            else {
              const w = kx[a]! - kx[a - 1]!;
              fb = base + p * (w > 0 ? K.g[a - 1]! + ((K.g[a]! - K.g[a - 1]!) * (t - kx[a - 1]!)) / w : K.g[a]!);
            }
            const f = S[FK + m]!;
            fw = f < wLo ? wLo : f > wHi ? wHi : f;
            m++;
          }
          const dNow = fb - fw;
          if (t > prevT) binDist += (t - prevT) * absLinearIntegral(prevD, dNow - prevD);
          prevT = t;
          prevD = dNow;
        }
      }
    }
    if (perBin) perBin[i] = binDist;
    dist += binDist;
  }
  return dist;
}

let scratch = new Float64Array(256);

/** Q_b(r): the baseline value at cumulative share r, inverting F_b (linear between knots). */
function quantileAt(S: Float64Array, FK: number, kx: Float64Array, r: number, min: number, atMin: number): number {
  if (r <= atMin) return min;
  const nk = kx.length;
  let lo = 0;
  let hi = nk;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (S[FK + mid]! < r) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= nk) return kx[nk - 1]!;
  if (lo === 0) return kx[0]!;
  const df = S[FK + lo]! - S[FK + lo - 1]!;
  return df > 0 ? kx[lo - 1]! + ((kx[lo]! - kx[lo - 1]!) * (r - S[FK + lo - 1]!)) / df : kx[lo]!;
}

/** Sub-steps per knot segment in the two tail bins. */
const TAIL_STEPS = 8;

function lowerBound(xs: Float64Array, x: number, from = 0): number {
  let lo = from;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

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
import { gammaQ } from './special.js';

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
function sketchCurve(data: KllSketchData, mean?: number): { v: Float64Array; f: Float64Array } | undefined {
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
  if (mean === undefined || !Number.isFinite(mean)) return { v, f };
  // The profile's mean is exact; the curve's (uniform between items) is not, and the gap is
  // mostly the end segment of a heavy tail: a few values between the last item and the maximum,
  // which a straight CDF spreads evenly over orders of magnitude. Bend that end segment (one
  // extra knot) so the curve's mean is the exact one; only ever towards the inside.
  let curveMean = 0;
  for (let k = 1; k < v.length; k++) curveMean += ((f[k]! - f[k - 1]!) * (v[k]! + v[k - 1]!)) / 2;
  const gap = mean - curveMean;
  const L = v.length;
  const top = gap < 0;
  const a = top ? v[L - 2]! : v[1]!; // the segment's inner end
  const b = top ? v[L - 1]! : v[0]!; // its outer end (the max / min, one value)
  const m = top ? f[L - 1]! - f[L - 2]! : f[1]! - f[0]!;
  if (!(m > 0) || a === b) return { v, f };
  const mu = Math.min(Math.max((a + b) / 2 + gap / m, Math.min(a, b)), Math.max(a, b));
  // Mass g uniform on [a, c], the rest (one value's worth) uniform on [c, b]: mean c/2 + (g·a + (1 − g)·b)/2.
  const g = Math.max(0, 1 - 1 / (data.n * m));
  const c = Math.min(Math.max(2 * mu - g * a - (1 - g) * b, Math.min(a, b)), Math.max(a, b));
  const v2 = new Float64Array(L + 1);
  const f2 = new Float64Array(L + 1);
  if (top) {
    v2.set(v.subarray(0, L - 1));
    f2.set(f.subarray(0, L - 1));
    v2[L - 1] = c;
    f2[L - 1] = f[L - 2]! + g * m;
    v2[L] = v[L - 1]!;
    f2[L] = 1;
  } else {
    v2[0] = v[0]!;
    f2[0] = 0;
    v2[1] = c;
    f2[1] = (1 - g) * m;
    v2.set(v.subarray(1), 2);
    f2.set(f.subarray(1), 2);
  }
  return { v: v2, f: f2 };
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
  const curve = feature.sketch ? sketchCurve(feature.sketch as KllSketchData, feature.mean) : undefined;
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
 * h(x) = E|x + Z| for a standard normal Z (the folded normal's mean): √(2/π)·e^(−x²/2) + x·erf(x/√2),
 * tabulated on [0, H_MAX] (linear interpolation is within 1e-5 of it); beyond, h(x) = x to 1e-9.
 */
const H_MAX = 6;
const H_STEPS = 64;
const H_TABLE = Float64Array.from({ length: H_MAX * H_STEPS + 2 }, (_, k) => {
  const x = k / H_STEPS;
  const erf = x === 0 ? 0 : 1 - gammaQ(0.5, (x * x) / 2);
  return Math.sqrt(2 / Math.PI) * Math.exp((-x * x) / 2) + x * erf;
});

/** E|d + s·Z| − |d|: what noise of standard deviation s adds to an absolute difference d on average. */
function noiseExcess(d: number, s: number): number {
  if (!(s > 0)) return 0;
  const u = (Math.abs(d) / s) * H_STEPS;
  if (u >= H_MAX * H_STEPS) return 0;
  const k = u | 0;
  return s * (H_TABLE[k]! + (H_TABLE[k + 1]! - H_TABLE[k]!) * (u - k)) - Math.abs(d);
}

/**
 * ∫ E|d(t) + σ(t)·Z| dt over one segment of width w, where the mean gap d is linear (d0 → d1) and
 * the noise σ(t) = c·√(G(1 − G)) with the bin's conditional CDF G linear (g0 → g1): the exact
 * integral of |d| plus the noise's excess, by the midpoint rule in θ with G = (1 − cos θ)/2, where
 * σ = c·sin(θ)/2 and dG = sin(θ)/2·dθ are smooth (σ(G) has an infinite slope at G = 0 and 1).
 * Panels are at most π/16 wide and at most about one σ of change in d (the excess is a bump of
 * width ≈ σ around a sign change of d).
 */
function segmentDist(w: number, d0: number, d1: number, g0: number, g1: number, c: number): number {
  const exact = w * absLinearIntegral(d0, d1 - d0);
  if (!(c > 0) || !(w > 0)) return exact;
  g0 = g0 < 0 ? 0 : g0 > 1 ? 1 : g0;
  g1 = g1 < 0 ? 0 : g1 > 1 ? 1 : g1;
  const gLo = g0 < g1 ? g0 : g1;
  const gHi = g0 < g1 ? g1 : g0;
  const dd = d1 - d0;
  const dg = g1 - g0;
  const adg = gHi - gLo;
  if (adg <= 1 / 32 && gLo >= adg && gHi <= 1 - adg) {
    // The common case, one per sketch item: a short stretch of G away from its ends, where σ is
    // within 3% of its midpoint value, and a gap that changes by less than σ: one evaluation.
    const gm = g0 + dg / 2;
    const sm = c * Math.sqrt(gm * (1 - gm));
    const nearest = d0 * d1 > 0 ? (d0 > 0 ? (d0 < d1 ? d0 : d1) : -(d0 > d1 ? d0 : d1)) : 0;
    if (nearest >= 1.05 * H_MAX * sm) return exact;
    if (dd <= sm && dd >= -sm) return exact + w * noiseExcess(d0 + dd / 2, sm);
  }
  const sMax = gLo <= 0.5 && gHi >= 0.5 ? c / 2 : c * Math.sqrt(Math.max(gLo * (1 - gLo), gHi * (1 - gHi)));
  if (!(sMax > 0)) return exact;
  // No sign change and the gap beyond the table everywhere: the noise adds nothing.
  if (d0 * d1 > 0 && Math.min(Math.abs(d0), Math.abs(d1)) >= H_MAX * sMax) return exact;
  const bump = Math.ceil(Math.abs(dd) / sMax);
  let excess = 0;
  if (gLo >= adg && gHi <= 1 - adg) {
    // Away from G's ends (all but a bin's first and last segments) σ is smooth and the midpoint
    // rule in t is as good, without the trigonometry: this runs for every segment of every
    // numeric feature of every window.
    const panels = Math.min(32, Math.max(1, Math.ceil(adg * 32), bump));
    for (let k = 0; k < panels; k++) {
      const f = (k + 0.5) / panels;
      const g = g0 + dg * f;
      excess += noiseExcess(d0 + dd * f, c * Math.sqrt(g * (1 - g)));
    }
    return exact + (w * excess) / panels;
  }
  const th0 = Math.acos(1 - 2 * g0);
  const th1 = Math.acos(1 - 2 * g1);
  const panels = Math.min(32, Math.max(1, Math.ceil(Math.abs(th1 - th0) * (16 / Math.PI)), bump));
  const step = (th1 - th0) / panels;
  for (let k = 0; k < panels; k++) {
    const th = th0 + (k + 0.5) * step;
    const half = Math.sin(th) / 2;
    const g = (1 - Math.cos(th)) / 2;
    excess += noiseExcess(d0 + (dd * (g - g0)) / dg, c * half) * half;
  }
  // ∫ over t = (w / ΔG)·∫ over G, and dG = sin(θ)/2·dθ.
  return exact + (w / dg) * excess * step;
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
 *   rank error. The two outermost inner bins have one anchor only: there the QQ line through it
 *   and the far quartile edge is extended, which also spreads the window's values beyond the
 *   training min / max (the open outer bins) over the baseline's extreme quantiles.
 */
export function wassersteinShaped(edges: readonly number[], baseline: ArrayLike<number>, window: ArrayLike<number>, shape?: BinShape, options: WassersteinShapedOptions = {}): number {
  const { perBin, sampling = true } = options;
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
    // Sampling noise inside the bin (see WassersteinShapedOptions.sampling): Var = G(1 − G)·c².
    const c = sampling && p > 0 ? Math.sqrt(p / sp + q / sq) : 0;
    let binDist = 0;
    if (n >= 4 && (i === 1 || i === n - 1)) {
      // The outermost inner bins reach the training min / max, where the QQ plot has only one
      // anchor (a window rank of 1 at the max only says that no window value passed it). There
      // the window is the baseline moved and stretched along the QQ line through this bin's inner
      // anchor and the one at the far quartile edge: exact for a location–scale change, and it
      // spreads the window's values beyond the training range over the baseline's own extreme
      // quantiles instead of piling them at the min / max. A wide base for the line: the local
      // slope next to a tail is noisy (and on integer data, ties), while a location–scale change
      // has the same line everywhere.
      const top = i === n - 1;
      const jA = top ? n - 2 : 1;
      let jB = 1;
      while (jB < n - 2 && S[jB]! < (top ? FAR_QUARTILE : 1 - FAR_QUARTILE)) jB++;
      const yA = quantileAt(S, FK, kx, S[CW + jA]!, edges[0]!, S[0]!);
      const yB = quantileAt(S, FK, kx, S[CW + jB]!, edges[0]!, S[0]!);
      let beta = jA !== jB && yA !== yB ? (edges[jA]! - edges[jB]!) / (yA - yB) : 1;
      if (!(beta > 0 && Number.isFinite(beta))) beta = 1;
      const alpha = edges[jA]! - beta * yA;
      const bin = { lo, hi, base, p, c };
      binDist = top ? tailDist(S, FK, kx, alpha, beta, lo, Math.max(hi, alpha + beta * hi), bin) : tailDist(S, FK, kx, alpha, beta, Math.min(lo, alpha + beta * lo), hi, bin);
    } else if (!(q > 0)) {
      // No window mass here: F_w is flat at wLo; F_b is linear between this bin's knots.
      for (let k = k0; k + 1 < k1; k++) {
        const d0 = base + p * K.g[k]! - wLo;
        const d1 = base + p * K.g[k + 1]! - wLo;
        binDist += segmentDist(kx[k + 1]! - kx[k]!, d0, d1, K.g[k]!, K.g[k + 1]!, c);
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
          binDist += segmentDist(t1 - t0, d0, d1, K.g[k]!, K.g[k + 1]!, c);
        }
      } else {
        const scale = (hi - lo) / (qHi - qLo);
        let a = k0; // next own knot
        let m = lowerBound(kx, qLo); // next mapped baseline knot
        let prevT = NaN;
        let prevD = 0;
        let prevG = 0;
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
          const gNow = (fb - base) / p;
          if (t > prevT) binDist += segmentDist(t - prevT, prevD, dNow, prevG, gNow, c);
          prevT = t;
          prevD = dNow;
          prevG = gNow;
        }
      }
    }
    if (perBin) perBin[i] = binDist;
    dist += binDist;
  }
  return dist;
}

let scratch = new Float64Array(256);

export interface WassersteinShapedOptions {
  /** Filled with each inner bin's share of the distance (index as the counts). */
  perBin?: Float64Array;
  /**
   * Add the sampling noise the counts cannot show (default true). Inside a bin the two samples'
   * CDFs are known only at its edges; between them each is its bin count of values drawn from
   * the bin's shape G, so their gap carries binomial noise of variance G(1 − G)·(p/n_b + q/n_w)
   * (p, q the bin's shares, n_b, n_w the sample sizes) around the modelled gap d. The estimate is
   * then E|d + noise| integrated over the bin: the raw distance's expectation given the counts.
   * Without it, two samples of one distribution come out several times closer than their raw
   * distance, most of all in a heavy tail, whose raw distance is mostly this noise.
   */
  sampling?: boolean;
}

/** An outermost inner bin, for the noise term of the tail model. */
interface TailBin {
  lo: number;
  hi: number;
  /** Baseline share below the bin, and in it. */
  base: number;
  p: number;
  /** Noise scale: Var = G(1 − G)·c². */
  c: number;
}

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

/** The baseline rank (from the other end) of the edge that anchors a tail's QQ line with its own. */
const FAR_QUARTILE = 0.25;

/** F_b at t (right-continuous at a repeated knot): linear between the knots, 0 below, 1 above. */
function fbAt(S: Float64Array, FK: number, kx: Float64Array, t: number): number {
  const nk = kx.length;
  if (t < kx[0]!) return 0;
  if (t >= kx[nk - 1]!) return 1;
  let lo = 0;
  let hi = nk;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (kx[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  // kx[lo − 1] ≤ t < kx[lo]
  const w = kx[lo]! - kx[lo - 1]!;
  return S[FK + lo - 1]! + ((S[FK + lo]! - S[FK + lo - 1]!) * (t - kx[lo - 1]!)) / w;
}

/**
 * ∫ |F_b(t) − F_b((t − α)/β)| dt over [t0, t1]: the baseline against the window modelled as the
 * baseline moved and stretched. Both are linear between the baseline's knots and the knots' images,
 * so the integral is exact over the merge of the two (ascending) knot lists.
 */
function tailDist(S: Float64Array, FK: number, kx: Float64Array, alpha: number, beta: number, t0: number, t1: number, bin: TailBin): number {
  if (!(t1 > t0)) return 0;
  const nk = kx.length;
  let a = lowerBound(kx, t0); // next own knot
  let m = lowerBound(kx, (t0 - alpha) / beta); // next knot whose image is ahead
  let prevT = t0;
  // G: the baseline's share of the bin below t (the noise's shape), 0 / 1 outside the bin.
  const gOf = (t: number, fb: number) => (t <= bin.lo ? 0 : t >= bin.hi ? 1 : Math.min(1, Math.max(0, (fb - bin.base) / bin.p)));
  let fbPrev = fbAt(S, FK, kx, t0);
  let prevD = fbPrev - fbAt(S, FK, kx, (t0 - alpha) / beta);
  let prevG = gOf(t0, fbPrev);
  let dist = 0;
  for (;;) {
    const tOwn = a < nk ? kx[a]! : Infinity;
    const tMapped = m < nk ? alpha + beta * kx[m]! : Infinity;
    const t = Math.min(tOwn, tMapped, t1);
    let d: number;
    let fb: number;
    if (t === t1) {
      fb = fbAt(S, FK, kx, t1);
      d = fb - fbAt(S, FK, kx, (t1 - alpha) / beta);
    } else if (tOwn <= tMapped) {
      fb = S[FK + a]!;
      d = fb - fbAt(S, FK, kx, (t - alpha) / beta);
      a++;
    } else {
      fb = fbAt(S, FK, kx, t);
      d = fb - S[FK + m]!;
      m++;
    }
    const g = gOf(t, fb);
    // Repeated knots (a point mass) add no width; the last one at t leaves the right limit.
    if (t > prevT) dist += segmentDist(t - prevT, prevD, d, prevG, g, bin.c);
    prevT = t;
    prevD = d;
    prevG = g;
    if (t >= t1) break;
  }
  return dist;
}

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

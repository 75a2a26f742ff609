/**
 * Distances between two histograms over the same bins (baseline counts vs window counts).
 * Functions normalise counts to proportions themselves; an all-zero side gives NaN.
 */
import { ksPValue, chiSquare, type TestResult } from './samples.js';

function total(counts: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < counts.length; k++) s += counts[k]!;
  return s;
}

/**
 * Jensen–Shannon distance, log base 2 (so it lies in [0, 1]); equals
 * `scipy.spatial.distance.jensenshannon(p, q, base=2)`.
 */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const sp = total(p);
  const sq = total(q);
  if (!(sp > 0 && sq > 0)) return NaN;
  let js = 0;
  for (let k = 0; k < p.length; k++) {
    const a = p[k]! / sp;
    const b = q[k]! / sq;
    const m = (a + b) / 2;
    if (a > 0) js += a * Math.log(a / m);
    if (b > 0) js += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, js / Math.LN2 / 2));
}

/** Floor applied to empty-bin proportions in PSI (a zero would make the log infinite). */
export const PSI_EPSILON = 1e-4;

/** Population Stability Index Σ (q − p)·ln(q / p), with proportions floored at `epsilon`. */
export function psi(baseline: ArrayLike<number>, window: ArrayLike<number>, epsilon = PSI_EPSILON): number {
  const sp = total(baseline);
  const sq = total(window);
  if (!(sp > 0 && sq > 0)) return NaN;
  let s = 0;
  for (let k = 0; k < baseline.length; k++) {
    const a = Math.max(baseline[k]! / sp, epsilon);
    const b = Math.max(window[k]! / sq, epsilon);
    s += (b - a) * Math.log(b / a);
  }
  return s;
}

/** Hellinger distance (1/√2)·‖√p − √q‖₂, in [0, 1]. */
export function hellinger(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const sp = total(p);
  const sq = total(q);
  if (!(sp > 0 && sq > 0)) return NaN;
  let s = 0;
  for (let k = 0; k < p.length; k++) {
    const d = Math.sqrt(p[k]! / sp) - Math.sqrt(q[k]! / sq);
    s += d * d;
  }
  return Math.sqrt(s / 2);
}

/** L-infinity distance max |p − q| between the two proportion vectors. */
export function lInfinity(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const sp = total(p);
  const sq = total(q);
  if (!(sp > 0 && sq > 0)) return NaN;
  let m = 0;
  for (let k = 0; k < p.length; k++) m = Math.max(m, Math.abs(p[k]! / sp - q[k]! / sq));
  return m;
}

/**
 * KS statistic from counts over the same ordered bins: the largest CDF gap at a bin edge.
 * It never exceeds the raw-data statistic D and D − D_binned ≤ max_i max(p_i, q_i) (inside a bin
 * each CDF rises by at most that bin's share), so with 20 equal-frequency bins the gap is ≤ ~0.05
 * plus the window's excess mass in its fullest bin. The p-value uses the counts as sample sizes.
 */
export function ksFromCounts(baseline: ArrayLike<number>, window: ArrayLike<number>): TestResult & { bound: number } {
  const sp = total(baseline);
  const sq = total(window);
  if (!(sp > 0 && sq > 0)) return { statistic: NaN, pValue: NaN, bound: NaN };
  let cp = 0;
  let cq = 0;
  let d = 0;
  let bound = 0;
  for (let k = 0; k < baseline.length; k++) {
    const a = baseline[k]! / sp;
    const b = window[k]! / sq;
    cp += a;
    cq += b;
    d = Math.max(d, Math.abs(cp - cq));
    bound = Math.max(bound, a, b);
  }
  return { statistic: d, pValue: ksPValue(d, sp, sq), bound };
}

/**
 * Representative point of each bin for distances on binned data: the midpoint of an inner bin,
 * the edge itself for the two open outer bins (their mass is pinned at the training min / max).
 */
export function binMidpoints(edges: readonly number[]): Float64Array {
  const mids = new Float64Array(edges.length + 1);
  if (edges.length === 0) return mids;
  mids[0] = edges[0]!;
  for (let k = 1; k < edges.length; k++) mids[k] = (edges[k - 1]! + edges[k]!) / 2;
  mids[edges.length] = edges[edges.length - 1]!;
  return mids;
}

/**
 * 1-Wasserstein distance between two histograms, each bin's mass at its representative point.
 * Against the raw-data distance the error is at most Σ_i (p_i + q_i)·w_i / 2 over inner bins of
 * width w_i, plus whatever window mass lies beyond the outer edges times its distance to them.
 */
export function wassersteinFromCounts(edges: readonly number[], baseline: ArrayLike<number>, window: ArrayLike<number>): number {
  const sp = total(baseline);
  const sq = total(window);
  if (!(sp > 0 && sq > 0)) return NaN;
  // The representative points are already sorted, so scipy's merge-sort of both samples reduces
  // to one linear pass: Σ |P(≤ m_i) − Q(≤ m_i)| · (m_{i+1} − m_i). This is the drift hot loop.
  const mids = binMidpoints(edges);
  let cp = 0;
  let cq = 0;
  let dist = 0;
  for (let i = 0; i < mids.length - 1; i++) {
    cp += baseline[i]!;
    cq += window[i]!;
    dist += Math.abs(cp / sp - cq / sq) * (mids[i + 1]! - mids[i]!);
  }
  return dist;
}

/**
 * Chi-square goodness of fit of the window counts against the baseline proportions.
 * Bins empty on both sides are dropped (they carry no information and would give 0/0); when the
 * window has values in a bin the baseline never saw, every baseline count gets +0.5 (Laplace
 * smoothing) so the statistic stays finite.
 */
export function chiSquareFromCounts(baseline: ArrayLike<number>, window: ArrayLike<number>): TestResult {
  const sq = total(window);
  const keepB: number[] = [];
  const keepW: number[] = [];
  let needsSmoothing = false;
  for (let k = 0; k < baseline.length; k++) {
    if (baseline[k] === 0 && window[k] === 0) continue;
    if (baseline[k] === 0) needsSmoothing = true;
    keepB.push(baseline[k]!);
    keepW.push(window[k]!);
  }
  if (needsSmoothing) for (let k = 0; k < keepB.length; k++) keepB[k]! += 0.5;
  const sb = keepB.reduce((s, v) => s + v, 0);
  if (!(sb > 0 && sq > 0)) return { statistic: NaN, pValue: NaN };
  // One shared non-empty bin: both sides put all their mass there, so they agree.
  if (keepB.length === 1) return { statistic: 0, pValue: 1 };
  const expected = keepB.map((v) => (v / sb) * sq);
  return chiSquare(keepW, expected);
}

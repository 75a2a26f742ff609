/**
 * Two-sample statistics on raw values, matching SciPy 1.10 (`scipy.stats`) on the same inputs.
 * Inputs are finite numbers; callers drop missing values first (the profile counts them apart).
 */
import { kolmogorovSf } from './kolmogorov.js';
import { chi2Sf } from './special.js';

export interface TestResult {
  statistic: number;
  pValue: number;
}

function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * Two-sided two-sample Kolmogorov–Smirnov test. The statistic is exact; the p-value is SciPy's
 * `ks_2samp(method='asymp')`: `kstwo.sf(D, round(n1·n2/(n1+n2)))`. (SciPy's default 'auto' uses
 * an exact lattice-path count when both samples have ≤ 10,000 values; 'asymp' is what drift
 * windows need, since baselines are larger than that.)
 */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>): TestResult {
  if (a.length === 0 || b.length === 0) return { statistic: NaN, pValue: NaN };
  const x = sorted(a);
  const y = sorted(b);
  const n1 = x.length;
  const n2 = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n1 && x[i]! <= v) i++;
    while (j < n2 && y[j]! <= v) j++;
    const diff = Math.abs(i / n1 - j / n2);
    if (diff > d) d = diff;
  }
  return { statistic: d, pValue: ksPValue(d, n1, n2) };
}

/** SciPy's asymptotic two-sided p-value for a two-sample KS statistic `d`. */
export function ksPValue(d: number, n1: number, n2: number): number {
  if (!(n1 > 0 && n2 > 0) || Number.isNaN(d)) return NaN;
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  return kolmogorovSf(roundHalfEven(en), d);
}

/** numpy.round semantics (half to even), so n matches SciPy's `np.round(en)`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * 1-Wasserstein distance between two (optionally weighted) empirical distributions, as
 * `scipy.stats.wasserstein_distance(u, v, u_weights, v_weights)`: ∫|U(t) − V(t)| dt.
 */
export function wasserstein(
  u: ArrayLike<number>,
  v: ArrayLike<number>,
  uWeights?: ArrayLike<number>,
  vWeights?: ArrayLike<number>,
): number {
  if (u.length === 0 || v.length === 0) return NaN;
  const ui = order(u);
  const vi = order(v);
  const uw = totalWeight(u.length, uWeights);
  const vw = totalWeight(v.length, vWeights);
  if (!(uw > 0 && vw > 0)) return NaN;
  let i = 0;
  let j = 0;
  let cu = 0;
  let cv = 0;
  let prev = Math.min(u[ui[0]!]!, v[vi[0]!]!);
  let dist = 0;
  while (i < ui.length || j < vi.length) {
    const nu = i < ui.length ? u[ui[i]!]! : Infinity;
    const nv = j < vi.length ? v[vi[j]!]! : Infinity;
    const next = Math.min(nu, nv);
    dist += Math.abs(cu / uw - cv / vw) * (next - prev);
    while (i < ui.length && u[ui[i]!]! <= next) cu += uWeights ? uWeights[ui[i++]!]! : (i++, 1);
    while (j < vi.length && v[vi[j]!]! <= next) cv += vWeights ? vWeights[vi[j++]!]! : (j++, 1);
    prev = next;
  }
  return dist;
}

function order(values: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(values.length);
  for (let k = 0; k < idx.length; k++) idx[k] = k;
  return idx.sort((p, q) => values[p]! - values[q]!);
}

function totalWeight(n: number, weights?: ArrayLike<number>): number {
  if (!weights) return n;
  let s = 0;
  for (let k = 0; k < weights.length; k++) s += weights[k]!;
  return s;
}

/** Pearson's chi-square goodness of fit, as `scipy.stats.chisquare(f_obs, f_exp, ddof)`. */
export function chiSquare(observed: ArrayLike<number>, expected: ArrayLike<number>, ddof = 0): TestResult {
  let stat = 0;
  for (let k = 0; k < observed.length; k++) {
    const e = expected[k]!;
    const diff = observed[k]! - e;
    stat += (diff * diff) / e;
  }
  const df = observed.length - 1 - ddof;
  return { statistic: stat, pValue: df > 0 ? chi2Sf(stat, df) : NaN };
}

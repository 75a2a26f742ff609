/**
 * Two-sample statistics on raw values, matching SciPy 1.10 (`scipy.stats`) on the same inputs.
 * Inputs are finite numbers; callers drop missing values first (the profile counts them apart).
 */
import { kolmogorovSf } from './kolmogorov.js';
import { chi2Sf } from './special.js';
import { exactKs2samp, gcd, KS_MAX_EXACT_N, roundHalfEven } from './ks-exact.js';

export interface TestResult {
  statistic: number;
  pValue: number;
}

function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export type KsMethod = 'auto' | 'exact' | 'asymp';

/**
 * Two-sided two-sample Kolmogorov–Smirnov test, as SciPy's `ks_2samp(a, b, method)`. 'auto' (the
 * default, as in SciPy) is exact when both samples have ≤ 10,000 values (lattice-path count,
 * ks-exact.ts), else asymptotic: `kstwo.sf(D, round(n1·n2/(n1+n2)))`. Like SciPy, 'exact' falls
 * back to 'asymp' when the exact count is not usable.
 */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>, method: KsMethod = 'auto'): TestResult {
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
  return ksTest(d, n1, n2, method);
}

/** The p-value (and SciPy's returned statistic) for a two-sided statistic `d` of samples of n1 and n2. */
export function ksTest(d: number, n1: number, n2: number, method: KsMethod = 'auto'): TestResult {
  const exact = method === 'exact' || (method === 'auto' && Math.max(n1, n2) <= KS_MAX_EXACT_N);
  // SciPy switches 'exact' to 'asymp' when the lattice would not fit an int32.
  if (exact && Math.floor(n1 / gcd(n1, n2)) < 2_147_483_647 / Math.floor(n2 / gcd(n1, n2))) {
    const r = exactKs2samp(n1, n2, d);
    if (r.ok) return { statistic: r.statistic, pValue: r.pValue };
    return { statistic: r.statistic, pValue: ksPValue(r.statistic, n1, n2) };
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

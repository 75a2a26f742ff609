/**
 * The exact null distribution of the two-sided two-sample Kolmogorov–Smirnov statistic, as SciPy
 * 1.10 computes it for `ks_2samp(method='exact')` (and for 'auto' when both samples have at most
 * 10,000 values): lattice paths from (0, 0) to (m, n) that leave the band |x/m − y/n| < h/lcm.
 * Equal sizes use the closed alternating sum (`_compute_prob_outside_square`); unequal sizes use
 * Hodges' inside method with Viehmann's recursion for 1 − p, which stays in [0, 1] and so never
 * overflows (`_compute_outer_prob_inside_method`).
 */

/** SciPy's `MAX_AUTO_N`: 'auto' is exact when both samples are at most this large. */
export const KS_MAX_EXACT_N = 10_000;

export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** numpy.round (half to even). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** P(D_{n,n} ≥ h/n): 2·(C(2n, n−h) − C(2n, n−2h) + …)/C(2n, n), evaluated Horner-like. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/** Share of lattice paths that do not stay strictly inside |x/m − y/n| < h/lcm(m, n). */
function outerProbInside(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const a = new Float64Array(lenA).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1]!;
}

export interface ExactKs {
  /** False when the computation is not usable (SciPy then falls back to the asymptotic p-value). */
  ok: boolean;
  /** The statistic rounded to the lattice, h / lcm(n1, n2), as SciPy returns it. */
  statistic: number;
  pValue: number;
}

/** SciPy's `_attempt_exact_2kssamp` for the two-sided alternative. */
export function exactKs2samp(n1: number, n2: number, d: number): ExactKs {
  const g = gcd(n1, n2);
  const lcm = Math.floor(n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { ok: true, statistic, pValue: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  return { ok: Number.isFinite(p) && p >= 0 && p <= 1, statistic, pValue: p };
}

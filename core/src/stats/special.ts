/**
 * Special functions the p-values need, written to double precision so the statistics agree with
 * SciPy to 1e-9. Each one follows a published algorithm, named where it is defined.
 */

// Lanczos approximation (Numerical Recipes 3rd ed. `gammln`, g = 671/128): full double precision for x > 0.
const LANCZOS = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199,
  0.339946499848118887e-4, 0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3,
  -0.210264441724104883e-3, 0.217439618115212643e-3, -0.16431810653676389e-3, 0.844182239838527433e-4,
  -0.261908384015814087e-4, 0.368991826595316234e-5,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  let y = x;
  let tmp = x + 5.2421875;
  tmp = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.999999999999997092;
  for (const c of LANCZOS) ser += c / ++y;
  return tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** ln C(n, k). */
export function logBinomial(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

const GAMMA_EPS = 1e-16;
const GAMMA_MAX_ITER = 100_000;

/** Regularised upper incomplete gamma Q(a, x) (series / Lentz continued fraction, NR §6.2). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let i = 0; i < GAMMA_MAX_ITER; i++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * GAMMA_EPS) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < GAMMA_MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < GAMMA_EPS) break;
  }
  return Math.exp(lnPrefix) * h;
}

/** Survival function of the chi-square distribution with `df` degrees of freedom. */
export function chi2Sf(x: number, df: number): number {
  if (Number.isNaN(x)) return NaN;
  return gammaQ(df / 2, x / 2);
}

/**
 * Smirnov's one-sided survival function P(D+_n ≥ x), exact (Birnbaum–Tingey sum), evaluated in
 * log space so no term overflows; all terms are positive, so the sum loses no precision.
 */
export function smirnovSf(n: number, x: number): number {
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const jmax = Math.floor(n * (1 - x) + 1e-12);
  let sum = 0;
  // ln C(n, j) updated incrementally: one log-gamma per call instead of three per term.
  let lnBinom = 0;
  for (let j = 0; j <= jmax; j++) {
    if (j > 0) lnBinom += Math.log((n - j + 1) / j);
    const a = 1 - x - j / n;
    const b = x + j / n;
    if (a <= 0 && n - j > 0) continue;
    sum += Math.exp(lnBinom + (n - j === 0 ? 0 : (n - j) * Math.log(a)) + (j - 1) * Math.log(b));
  }
  return Math.min(1, Math.max(0, x * sum));
}

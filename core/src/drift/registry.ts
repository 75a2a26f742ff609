/**
 * Drift methods as descriptors (Evidently's stattest registry): what a method accepts, its
 * default threshold and which way is drift. `score` works on baseline vs window counts over the
 * same bins; `edges`/`std` are the baseline feature's, needed by the numeric-only methods.
 */
import type { FeatureType } from '../baseline/profile.js';
import type { DriftDirection, DriftMethod } from './types.js';
import { chiSquareFromCounts, hellinger, jensenShannon, ksFromCounts, lInfinity, psi } from '../stats/binned.js';
import { wassersteinShaped, type BinShape } from '../stats/bin-shape.js';

export interface MethodInput {
  baseline: number[];
  window: number[];
  edges: readonly number[];
  std: number;
  /** The baseline's shape inside each bin (from its sketch), for Wasserstein; uniform without it. */
  shape?: BinShape;
}

export interface MethodScore {
  score: number;
  pValue?: number;
}

export interface DriftMethodDescriptor {
  name: DriftMethod;
  description: string;
  types: readonly FeatureType[];
  defaultThreshold: number;
  direction: DriftDirection;
  /** True when the score is a p-value (the threshold is a significance level, never calibrated). */
  isPValue: boolean;
  /**
   * How the score of a sample drawn from the baseline itself shrinks with its size n: ∝ n^-e.
   * Calibration scales chunk-based thresholds to the window's size with it (0 = no scaling).
   */
  noiseExponent: number;
  score(input: MethodInput): MethodScore;
}

/** Scale used when the baseline std is 0 (a constant feature): any shift then scores large. */
const MIN_STD = 1e-9;

const methods: DriftMethodDescriptor[] = [
  {
    name: 'ks',
    noiseExponent: 0,
    description: 'two-sample Kolmogorov–Smirnov p-value on binned counts (statistic ≤ raw D, see stats/binned.ts)',
    types: ['numeric'],
    defaultThreshold: 0.05,
    direction: 'lower_is_drift',
    isPValue: true,
    score: ({ baseline, window }) => {
      const r = ksFromCounts(baseline, window);
      return { score: r.pValue, pValue: r.pValue };
    },
  },
  {
    name: 'chisquare',
    noiseExponent: 0,
    description: 'Pearson chi-square goodness of fit of window counts to baseline proportions, p-value',
    types: ['numeric', 'categorical'],
    defaultThreshold: 0.05,
    direction: 'lower_is_drift',
    isPValue: true,
    score: ({ baseline, window }) => {
      const r = chiSquareFromCounts(baseline, window);
      return { score: r.pValue, pValue: r.pValue };
    },
  },
  {
    name: 'wasserstein',
    noiseExponent: 0.5,
    description: "1-Wasserstein distance on binned counts, shaped inside bins by the baseline's sketch, divided by the baseline std",
    types: ['numeric'],
    defaultThreshold: 0.1,
    direction: 'higher_is_drift',
    isPValue: false,
    score: ({ baseline, window, edges, std, shape }) => ({ score: wassersteinShaped(edges, baseline, window, shape) / Math.max(std, MIN_STD) }),
  },
  {
    name: 'jensenshannon',
    noiseExponent: 0.5,
    description: 'Jensen–Shannon distance, log base 2 (in [0, 1])',
    types: ['numeric', 'categorical'],
    defaultThreshold: 0.1,
    direction: 'higher_is_drift',
    isPValue: false,
    score: ({ baseline, window }) => ({ score: jensenShannon(baseline, window) }),
  },
  {
    name: 'psi',
    noiseExponent: 1,
    description: 'Population Stability Index (empty bins floored at 1e-4)',
    types: ['numeric', 'categorical'],
    defaultThreshold: 0.1,
    direction: 'higher_is_drift',
    isPValue: false,
    score: ({ baseline, window }) => ({ score: psi(baseline, window) }),
  },
  {
    name: 'hellinger',
    noiseExponent: 0.5,
    description: 'Hellinger distance (in [0, 1])',
    types: ['numeric', 'categorical'],
    defaultThreshold: 0.1,
    direction: 'higher_is_drift',
    isPValue: false,
    score: ({ baseline, window }) => ({ score: hellinger(baseline, window) }),
  },
  {
    name: 'linf',
    noiseExponent: 0.5,
    description: 'L-infinity distance between proportions (largest change of one bin/category share)',
    types: ['numeric', 'categorical'],
    defaultThreshold: 0.1,
    direction: 'higher_is_drift',
    isPValue: false,
    score: ({ baseline, window }) => ({ score: lInfinity(baseline, window) }),
  },
];

export const DRIFT_METHODS: ReadonlyMap<DriftMethod, DriftMethodDescriptor> = new Map(methods.map((m) => [m.name, m]));

export function driftMethod(name: DriftMethod): DriftMethodDescriptor {
  const m = DRIFT_METHODS.get(name);
  if (!m) throw new Error(`unknown drift method "${name}"; allowed: ${[...DRIFT_METHODS.keys()].join(', ')}`);
  return m;
}

/** True when `verdict` should be drift for this score under the method's direction. */
export function isDrift(direction: DriftDirection, score: number, threshold: number): boolean {
  return direction === 'higher_is_drift' ? score > threshold : score < threshold;
}

import type { ConceptDetector, DetectorEvent } from './types.js';

/**
 * The Page-Hinkley test (Page 1954), after River's `drift.PageHinkley`: cumulative deviations of
 * each value from the running mean, with a tolerance `delta` and a forgetting factor `alpha`,
 * tested against `threshold` once `minInstances` values were seen. River's default mode `both`
 * detects increases and decreases of the mean; `up` only increases (a rising error rate).
 */
export interface PageHinkleyParams {
  minInstances: number;
  delta: number;
  threshold: number;
  alpha: number;
  mode: 'up' | 'down' | 'both';
}

export interface PageHinkleyState {
  detector: 'page_hinkley';
  params: PageHinkleyParams;
  n: number;
  mean: number;
  sumIncrease: number;
  sumDecrease: number;
  minIncrease: number | null;
  maxDecrease: number;
  drift: boolean;
}

const DEFAULTS: PageHinkleyParams = { minInstances: 30, delta: 0.005, threshold: 50.0, alpha: 1 - 0.0001, mode: 'both' };

function fresh(params: PageHinkleyParams): PageHinkleyState {
  return { detector: 'page_hinkley', params, n: 0, mean: 0, sumIncrease: 0, sumDecrease: 0, minIncrease: null, maxDecrease: -1, drift: false };
}

export const PAGE_HINKLEY: ConceptDetector<PageHinkleyState, PageHinkleyParams> = {
  name: 'page_hinkley',
  defaults: DEFAULTS,
  input: 'real',
  init: (params = {}) => fresh({ ...DEFAULTS, ...params }),
  run(state, values) {
    let s: PageHinkleyState = { ...state };
    const events: DetectorEvent[] = [];
    const { alpha, delta, threshold, minInstances, mode } = s.params;
    for (let i = 0; i < values.length; i++) {
      if (s.drift) s = fresh(s.params);
      const x = values[i];
      s.n++;
      s.mean += (x - s.mean) / s.n;
      const dev = x - s.mean;
      s.sumIncrease = alpha * s.sumIncrease + dev - delta;
      s.sumDecrease = alpha * s.sumDecrease + dev + delta;
      if (s.minIncrease === null || s.sumIncrease < s.minIncrease) s.minIncrease = s.sumIncrease;
      if (s.sumDecrease > s.maxDecrease) s.maxDecrease = s.sumDecrease;
      if (s.n >= minInstances) {
        const up = s.sumIncrease - s.minIncrease > threshold;
        const down = s.maxDecrease - s.sumDecrease > threshold;
        s.drift = mode === 'up' ? up : mode === 'down' ? down : up || down;
        if (s.drift) events.push({ index: i, kind: 'drift' });
      }
    }
    return { state: s, events };
  },
  isState(v): v is PageHinkleyState {
    const s = v as PageHinkleyState;
    return typeof s === 'object' && s !== null && s.detector === 'page_hinkley' && typeof s.n === 'number' && typeof s.params === 'object';
  },
};

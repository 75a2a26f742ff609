import type { ConceptDetector, DetectorEvent } from './types.js';

/**
 * DDM, the Drift Detection Method (Gama et al., SBIA 2004), after River's `drift.binary.DDM`:
 * the error rate p and its binomial standard deviation s = sqrt(p(1-p)/n); after a warm start the
 * minimum of p + s is remembered; p + s above p_min + 2 s_min is a warning, above
 * p_min + 3 s_min a drift, after which the detector starts over.
 */
export interface DdmParams {
  warmStart: number;
  warningThreshold: number;
  driftThreshold: number;
}

export interface DdmState {
  detector: 'ddm';
  params: DdmParams;
  n: number;
  /** Running mean of the errors. */
  p: number;
  pMin: number | null;
  sMin: number | null;
  psMin: number | null;
  warning: boolean;
  /** The last value was a drift: the next update starts from scratch. */
  drift: boolean;
}

const DEFAULTS: DdmParams = { warmStart: 30, warningThreshold: 2.0, driftThreshold: 3.0 };

function fresh(params: DdmParams): DdmState {
  // Infinity is not JSON: "not yet seen" minima are null.
  return { detector: 'ddm', params, n: 0, p: 0, pMin: null, sMin: null, psMin: null, warning: false, drift: false };
}

export const DDM: ConceptDetector<DdmState, DdmParams> = {
  name: 'ddm',
  defaults: DEFAULTS,
  input: 'binary',
  init: (params = {}) => fresh({ ...DEFAULTS, ...params }),
  run(state, values) {
    let s: DdmState = { ...state };
    const events: DetectorEvent[] = [];
    for (let i = 0; i < values.length; i++) {
      if (s.drift) s = fresh(s.params);
      const x = values[i] ? 1 : 0;
      s.n++;
      s.p += (x - s.p) / s.n;
      const si = Math.sqrt((s.p * (1 - s.p)) / s.n);
      if (s.n > s.params.warmStart) {
        if (s.psMin === null || s.p + si <= s.psMin) {
          s.pMin = s.p;
          s.sMin = si;
          s.psMin = s.p + si;
        }
        const wasWarning = s.warning;
        s.warning = s.p + si > s.pMin! + s.params.warningThreshold * s.sMin!;
        if (s.p + si > s.pMin! + s.params.driftThreshold * s.sMin!) {
          s.drift = true;
          s.warning = false;
          events.push({ index: i, kind: 'drift' });
        } else if (s.warning && !wasWarning) {
          events.push({ index: i, kind: 'warning' });
        }
      }
    }
    return { state: s, events };
  },
  isState(v): v is DdmState {
    const s = v as DdmState;
    return typeof s === 'object' && s !== null && s.detector === 'ddm' && typeof s.n === 'number' && typeof s.p === 'number' && typeof s.params === 'object';
  },
};

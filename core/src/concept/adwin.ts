import type { ConceptDetector, DetectorEvent } from './types.js';

/**
 * ADWIN, adaptive windowing (Bifet & Gavaldà, SDM 2007), after River's `drift.ADWIN`: the window
 * is kept as an exponential histogram (rows of at most `maxBuckets` + 1 buckets, row i holding
 * buckets of 2^i values with their total and variance); every `clock` values, each cut of the
 * window into an older part W0 and a newer part W1 is tested, and while a cut's means differ by
 * more than the Hoeffding-style bound the oldest bucket is dropped. A detection resets the
 * detector at the next value, as River does.
 */
export interface AdwinParams {
  delta: number;
  clock: number;
  maxBuckets: number;
  minWindowLength: number;
  gracePeriod: number;
}

/** One row of the histogram: buckets of 2^row values, oldest first. */
interface Row {
  totals: number[];
  variances: number[];
}

export interface AdwinState {
  detector: 'adwin';
  params: AdwinParams;
  /** rows[0] holds the newest (single-value) buckets. */
  rows: Row[];
  total: number;
  variance: number;
  width: number;
  tick: number;
  detections: number;
  drift: boolean;
}

const DEFAULTS: AdwinParams = { delta: 0.002, clock: 32, maxBuckets: 5, minWindowLength: 5, gracePeriod: 10 };

function fresh(params: AdwinParams): AdwinState {
  return { detector: 'adwin', params, rows: [{ totals: [], variances: [] }], total: 0, variance: 0, width: 0, tick: 0, detections: 0, drift: false };
}

function clone(s: Readonly<AdwinState>): AdwinState {
  return { ...s, rows: s.rows.map((r) => ({ totals: [...r.totals], variances: [...r.variances] })) };
}

function insert(s: AdwinState, value: number): void {
  s.rows[0].totals.push(value);
  s.rows[0].variances.push(0);
  s.width += 1;
  if (s.width > 1) {
    const prevMean = s.total / (s.width - 1);
    s.variance += ((s.width - 1) * (value - prevMean) * (value - prevMean)) / s.width;
  }
  s.total += value;
  // Merge the two oldest buckets of a full row into one bucket of the next row, carrying up.
  for (let i = 0; i < s.rows.length; i++) {
    const row = s.rows[i];
    if (row.totals.length !== s.params.maxBuckets + 1) break;
    if (i + 1 === s.rows.length) s.rows.push({ totals: [], variances: [] });
    const n = 2 ** i;
    const mu1 = row.totals[0] / n;
    const mu2 = row.totals[1] / n;
    const merged = row.variances[0] + row.variances[1] + (n * n * (mu1 - mu2) * (mu1 - mu2)) / (2 * n);
    s.rows[i + 1].totals.push(row.totals[0] + row.totals[1]);
    s.rows[i + 1].variances.push(merged);
    row.totals.splice(0, 2);
    row.variances.splice(0, 2);
    if (s.rows[i + 1].totals.length <= s.params.maxBuckets) break;
  }
}

/** Drops the oldest bucket; returns its size. */
function deleteOldest(s: AdwinState): number {
  const last = s.rows.length - 1;
  const row = s.rows[last];
  const n = 2 ** last;
  const u = row.totals[0];
  const mu = u / n;
  const v = row.variances[0];
  s.width -= n;
  s.total -= u;
  const muWindow = s.total / s.width;
  s.variance -= v + (n * s.width * (mu - muWindow) * (mu - muWindow)) / (n + s.width);
  row.totals.shift();
  row.variances.shift();
  if (row.totals.length === 0 && s.rows.length > 1) s.rows.pop();
  return n;
}

function cutDiffers(s: AdwinState, n0: number, n1: number, deltaMean: number): boolean {
  const { delta, minWindowLength } = s.params;
  const deltaPrime = Math.log((2 * Math.log(s.width)) / delta);
  const mRecip = 1 / (n0 - minWindowLength + 1) + 1 / (n1 - minWindowLength + 1);
  const epsilon = Math.sqrt(2 * mRecip * (s.variance / s.width) * deltaPrime) + (2 / 3) * deltaPrime * mRecip;
  return Math.abs(deltaMean) > epsilon;
}

function detect(s: AdwinState): boolean {
  let changed = false;
  s.tick += 1;
  if (s.tick % s.params.clock !== 0 || s.width <= s.params.gracePeriod) return false;
  let reduce = true;
  while (reduce) {
    reduce = false;
    let exit = false;
    let n0 = 0;
    let n1 = s.width;
    let u0 = 0;
    let u1 = s.total;
    // Oldest row first: W0 grows from the oldest bucket, W1 is the rest.
    for (let idx = s.rows.length - 1; idx >= 0 && !exit; idx--) {
      const row = s.rows[idx];
      const size = 2 ** idx;
      for (let k = 0; k < row.totals.length - 1; k++) {
        n0 += size;
        n1 -= size;
        u0 += row.totals[k];
        u1 -= row.totals[k];
        if (n1 >= s.params.minWindowLength && n0 >= s.params.minWindowLength && cutDiffers(s, n0, n1, u0 / n0 - u1 / n1)) {
          reduce = true;
          changed = true;
          if (s.width > 0) {
            deleteOldest(s);
            exit = true;
            break;
          }
        }
      }
    }
  }
  if (changed) s.detections += 1;
  return changed;
}

export const ADWIN: ConceptDetector<AdwinState, AdwinParams> = {
  name: 'adwin',
  defaults: DEFAULTS,
  input: 'real',
  init: (params = {}) => fresh({ ...DEFAULTS, ...params }),
  run(state, values) {
    let s = clone(state);
    const events: DetectorEvent[] = [];
    for (let i = 0; i < values.length; i++) {
      if (s.drift) s = fresh(s.params);
      insert(s, values[i]);
      s.drift = detect(s);
      if (s.drift) events.push({ index: i, kind: 'drift' });
    }
    return { state: s, events };
  },
  isState(v): v is AdwinState {
    const s = v as AdwinState;
    return typeof s === 'object' && s !== null && s.detector === 'adwin' && Array.isArray(s.rows) && typeof s.width === 'number' && typeof s.params === 'object';
  },
};

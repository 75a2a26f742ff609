import { calibrationBin } from '@modelwatch/core';
import { delayBucket } from './delay-buckets.js';

/**
 * The performance rollup: sufficient statistics of joined labels per (variant, minute of the
 * prediction, answer, truth, confidence bin, delay bucket), updated in the same transaction that
 * joins the labels. A window's realized performance then sums a few rows per minute instead of
 * scanning every prediction (a day of 1M labelled predictions is ~1,440 × a few dozen rows).
 * Rollup rows hold counts only, no record or subject: erasure by subject subtracts the erased
 * labels' contributions (a batch built with sign -1), retention prunes whole minutes with the records.
 */
export interface RollupKey {
  variant: string;
  minute: number;
  /** JSON of the answer for classes; '#' for values (regression rows are summed, not grouped by answer). */
  prediction: string;
  /** The true class; '' for values. */
  label: string;
  /** Calibration bin, -1 without a confidence. */
  bin: number;
  delay: number;
}

export interface RollupDelta extends RollupKey {
  n: number;
  csum: number;
  correct: number;
  /** Regression: rows with a numeric answer and sums of |e|, e², e. */
  rn: number;
  rabs: number;
  rsq: number;
  rs: number;
}

/** What the join knows of one newly labelled prediction. */
export interface JoinedLabel {
  variant: string;
  timeMs: number;
  /** The stored JSON of the answer. */
  prediction: string;
  confidence: number | null;
  label: string | null;
  value: number | null;
  labelMs: number;
}

/**
 * Accumulates one batch's joined labels into rollup deltas (one per distinct key). With sign -1 the
 * deltas remove those labels again (erasure), so a window over the remaining data reads as if the
 * erased ones had never been joined.
 */
export class RollupBatch {
  private readonly deltas = new Map<string, RollupDelta>();

  constructor(readonly sign: 1 | -1 = 1) {}

  add(j: JoinedLabel): void {
    const s = this.sign;
    const minute = Math.floor(j.timeMs / 60_000);
    const delay = delayBucket(j.labelMs - j.timeMs);
    if (j.label !== null) {
      const answer = JSON.parse(j.prediction) as unknown;
      const bin = j.confidence === null ? -1 : calibrationBin(j.confidence);
      const d = this.delta({ variant: j.variant, minute, prediction: j.prediction, label: j.label, bin, delay });
      d.n += s;
      if (j.confidence !== null) d.csum += s * Math.min(1, Math.max(0, j.confidence));
      if (answer !== null && String(answer) === j.label) d.correct += s;
    } else if (j.value !== null) {
      const d = this.delta({ variant: j.variant, minute, prediction: '#', label: '', bin: -1, delay });
      d.n += s;
      const answer = JSON.parse(j.prediction) as unknown;
      if (typeof answer === 'number' && Number.isFinite(answer)) {
        const e = answer - j.value;
        d.rn += s;
        d.rabs += s * Math.abs(e);
        d.rsq += s * e * e;
        d.rs += s * e;
      }
    }
  }

  private delta(k: RollupKey): RollupDelta {
    const key = `${k.variant}\u0000${k.minute}\u0000${k.prediction}\u0000${k.label}\u0000${k.bin}\u0000${k.delay}`;
    let d = this.deltas.get(key);
    if (!d) this.deltas.set(key, (d = { ...k, n: 0, csum: 0, correct: 0, rn: 0, rabs: 0, rsq: 0, rs: 0 }));
    return d;
  }

  values(): RollupDelta[] {
    return [...this.deltas.values()];
  }

  /** Minutes the batch touches (erasure drops the rows it empties there). */
  minutes(): number[] {
    return [...new Set(this.values().map((d) => d.minute))];
  }
}

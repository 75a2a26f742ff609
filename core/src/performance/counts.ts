import type { JoinedPrediction } from './realized.js';

/**
 * Sufficient statistics of realized performance: what a database can aggregate in one scan
 * (GROUP BY), so a window of millions of labelled predictions never travels as rows. Realized
 * performance is computed from these counts only (realizedPerformance counts rows first).
 */
export interface PerformanceCounts {
  /** (answer, true class) pairs and how often each occurred. `prediction` null = no answer. */
  confusion: { prediction: string | null; label: string; n: number }[];
  /** Confidence bins (10 equal-width): rows, sum of confidences, right answers. */
  calibration: { bin: number; n: number; confidenceSum: number; correct: number }[];
  /** Regression rows: count and sums of |error|, error², error (prediction − truth). */
  regression: { n: number; absSum: number; sqSum: number; sum: number };
}

export const CALIBRATION_BINS = 10;

export function emptyCounts(): PerformanceCounts {
  return { confusion: [], calibration: [], regression: { n: 0, absSum: 0, sqSum: 0, sum: 0 } };
}

/** The calibration bin of a confidence (0..1; 1.0 goes to the last bin). */
export function calibrationBin(confidence: number): number {
  return Math.min(CALIBRATION_BINS - 1, Math.max(0, Math.floor(confidence * CALIBRATION_BINS)));
}

/** Counts of joined rows (what the in-memory store and files use; SQL stores aggregate themselves). */
export function countJoined(rows: Iterable<JoinedPrediction>): PerformanceCounts {
  const out = emptyCounts();
  const pairs = new Map<string, { prediction: string | null; label: string; n: number }>();
  const bins = new Map<number, { bin: number; n: number; confidenceSum: number; correct: number }>();
  for (const r of rows) {
    if (r.label !== undefined) {
      const prediction = r.prediction === null ? null : String(r.prediction);
      const key = `${prediction === null ? '\u0001' : prediction}\u0000${r.label}`;
      const pair = pairs.get(key);
      if (pair) pair.n++;
      else pairs.set(key, { prediction, label: r.label, n: 1 });
      if (r.confidence !== undefined && Number.isFinite(r.confidence)) {
        const b = calibrationBin(r.confidence);
        let bin = bins.get(b);
        if (!bin) bins.set(b, (bin = { bin: b, n: 0, confidenceSum: 0, correct: 0 }));
        bin.n++;
        bin.confidenceSum += Math.min(1, Math.max(0, r.confidence));
        if (prediction === r.label) bin.correct++;
      }
    } else if (r.labelValue !== undefined) {
      // Only numeric answers have an error (the SQL stores count the same way).
      const p = typeof r.prediction === 'number' ? r.prediction : NaN;
      if (!Number.isFinite(p) || !Number.isFinite(r.labelValue)) continue;
      const e = p - r.labelValue;
      out.regression.n++;
      out.regression.absSum += Math.abs(e);
      out.regression.sqSum += e * e;
      out.regression.sum += e;
    }
  }
  out.confusion = [...pairs.values()];
  out.calibration = [...bins.values()].sort((a, b) => a.bin - b.bin);
  return out;
}

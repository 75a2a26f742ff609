import { OTHER_CATEGORY } from '../contract/labels.js';
import { countJoined, type PerformanceCounts } from './counts.js';

/**
 * Realized performance: how good the model's answers were, once the truth is known. Pure
 * `(joined rows, options) → result`; the collector reads the rows from its store and exports the
 * result, the CLI and benchmarks call the same function.
 */
export interface JoinedPrediction {
  /** The model's answer: a class (string) or a value (number). */
  prediction: string | number | null;
  /** True class (classification). */
  label?: string;
  /** True value (regression). */
  labelValue?: number;
  /** Highest class probability of the answer, when known (for calibration). */
  confidence?: number;
}

export type PerformanceTask = 'classification' | 'regression';

export interface ClassPerformance {
  class: string;
  /** Rows whose true class is this one. */
  support: number;
  /** Rows predicted as this class. */
  predicted: number;
  /** undefined when the class was never predicted. */
  precision?: number;
  /** undefined when the class never occurred. */
  recall?: number;
  f1?: number;
}

export interface ClassificationPerformance {
  task: 'classification';
  /** Labelled rows the figures are computed on. */
  n: number;
  accuracy: number;
  /** Mean F1 over the classes that occurred or were predicted (sklearn's macro average over present labels). */
  macroF1: number;
  /** Expected calibration error over `eceBins` equal-width confidence bins; undefined without confidences. */
  ece?: number;
  /** Bounded by the class table (baseline) when one is given; anything else is `__other__`. */
  classes: ClassPerformance[];
}

export interface RegressionPerformance {
  task: 'regression';
  n: number;
  mae: number;
  rmse: number;
  /** Mean of prediction − truth: positive when the model over-predicts. */
  bias: number;
}

export type PerformanceResult = ClassificationPerformance | RegressionPerformance;

export interface PerformanceOptions {
  /** The class table (baseline output categories): other classes are grouped as `__other__`. */
  classes?: readonly string[];
  /** Bins of the calibration error. Default 10. */
  eceBins?: number;
  /** Classes tracked at most without a table (bounds the per-class output). Default 64. */
  maxClasses?: number;
}

function regression(c: PerformanceCounts): RegressionPerformance | undefined {
  const { n, absSum, sqSum, sum } = c.regression;
  if (n === 0) return undefined;
  return { task: 'regression', n, mae: absSum / n, rmse: Math.sqrt(sqSum / n), bias: sum / n };
}

function classification(c: PerformanceCounts, o: PerformanceOptions): ClassificationPerformance | undefined {
  const table = o.classes && o.classes.length > 0 ? o.classes : undefined;
  const maxClasses = o.maxClasses ?? 64;
  const index = new Map<string, number>();
  const names: string[] = [];
  if (table) for (const name of table) if (!index.has(name)) index.set(name, names.push(name) - 1);
  let other = -1;
  const classOf = (name: string): number => {
    const i = index.get(name);
    if (i !== undefined) return i;
    if (!table && names.length < maxClasses) {
      index.set(name, names.length);
      return names.push(name) - 1;
    }
    if (other < 0) other = names.push(OTHER_CATEGORY) - 1;
    return other;
  };
  // Most frequent pairs first, so without a table the bounded class list keeps the common classes.
  const pairs = [...c.confusion].sort((a, b) => b.n - a.n);
  const tp = new Map<number, number>();
  const support = new Map<number, number>();
  const predicted = new Map<number, number>();
  const add = (m: Map<number, number>, k: number, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  let n = 0;
  let correct = 0;
  for (const pair of pairs) {
    n += pair.n;
    const ok = pair.prediction === pair.label;
    if (ok) correct += pair.n;
    add(support, classOf(pair.label), pair.n);
    if (pair.prediction !== null) {
      const p = classOf(pair.prediction);
      add(predicted, p, pair.n);
      // Matching text in the __other__ bucket is a right answer, not a right bucket guess.
      if (ok) add(tp, p, pair.n);
    }
  }
  if (n === 0) return undefined;
  const classes: ClassPerformance[] = names.map((name, i) => {
    const s = support.get(i) ?? 0;
    const p = predicted.get(i) ?? 0;
    const t = tp.get(i) ?? 0;
    const out: ClassPerformance = { class: name, support: s, predicted: p };
    if (p > 0) out.precision = t / p;
    if (s > 0) out.recall = t / s;
    // sklearn: a class that occurs or is predicted counts in the macro average; 0/0 precision or recall counts as 0.
    const pr = out.precision ?? 0;
    const rc = out.recall ?? 0;
    if (s > 0 || p > 0) out.f1 = pr + rc > 0 ? (2 * pr * rc) / (pr + rc) : 0;
    return out;
  });
  const present = classes.filter((x) => x.f1 !== undefined);
  const macroF1 = present.reduce((sum, x) => sum + x.f1!, 0) / Math.max(1, present.length);
  const result: ClassificationPerformance = { task: 'classification', n, accuracy: correct / n, macroF1, classes };
  const withConfidence = c.calibration.reduce((sum, b) => sum + b.n, 0);
  if (withConfidence > 0) {
    let ece = 0;
    for (const b of c.calibration) if (b.n > 0) ece += (b.n / withConfidence) * Math.abs(b.correct / b.n - b.confidenceSum / b.n);
    result.ece = ece;
  }
  return result;
}

/**
 * Realized performance from sufficient statistics; classification when any true class was
 * counted, else regression. undefined when nothing usable was counted.
 */
export function performanceFromCounts(counts: PerformanceCounts, options: PerformanceOptions = {}): PerformanceResult | undefined {
  if (counts.confusion.length > 0) return classification(counts, options);
  return regression(counts);
}

/** Which task the rows describe: regression when the truths are numbers, else classification. */
export function inferTask(rows: readonly JoinedPrediction[]): PerformanceTask | undefined {
  for (const r of rows) {
    if (r.label !== undefined) return 'classification';
    if (r.labelValue !== undefined) return 'regression';
  }
  return undefined;
}

/** Realized performance of labelled rows; undefined when no row has a usable truth. */
export function realizedPerformance(rows: readonly JoinedPrediction[], options: PerformanceOptions = {}): PerformanceResult | undefined {
  return performanceFromCounts(countJoined(rows), options);
}

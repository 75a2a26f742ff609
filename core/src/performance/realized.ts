import { OTHER_CATEGORY } from '../contract/labels.js';

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

/** Which task the rows describe: regression when the truths are numbers, else classification. */
export function inferTask(rows: readonly JoinedPrediction[]): PerformanceTask | undefined {
  for (const r of rows) {
    if (r.label !== undefined) return 'classification';
    if (r.labelValue !== undefined) return 'regression';
  }
  return undefined;
}

function regression(rows: readonly JoinedPrediction[]): RegressionPerformance | undefined {
  let n = 0;
  let abs = 0;
  let sq = 0;
  let sum = 0;
  for (const r of rows) {
    const p = typeof r.prediction === 'number' ? r.prediction : typeof r.prediction === 'string' ? Number(r.prediction) : NaN;
    const y = r.labelValue ?? (r.label !== undefined ? Number(r.label) : NaN);
    if (!Number.isFinite(p) || !Number.isFinite(y)) continue;
    const e = p - y;
    n++;
    abs += Math.abs(e);
    sq += e * e;
    sum += e;
  }
  if (n === 0) return undefined;
  return { task: 'regression', n, mae: abs / n, rmse: Math.sqrt(sq / n), bias: sum / n };
}

function classification(rows: readonly JoinedPrediction[], o: PerformanceOptions): ClassificationPerformance | undefined {
  const table = o.classes && o.classes.length > 0 ? o.classes : undefined;
  const maxClasses = o.maxClasses ?? 64;
  const index = new Map<string, number>();
  const names: string[] = [];
  if (table) for (const c of table) if (!index.has(c)) index.set(c, names.push(c) - 1);
  let other = -1;
  const classOf = (c: string): number => {
    const i = index.get(c);
    if (i !== undefined) return i;
    if (!table && names.length < maxClasses) {
      index.set(c, names.length);
      names.push(c);
      return names.length - 1;
    }
    if (other < 0) other = names.push(OTHER_CATEGORY) - 1;
    return other;
  };
  let tp: number[] = [];
  let support: number[] = [];
  let predicted: number[] = [];
  const bins = o.eceBins ?? 10;
  const binN = new Float64Array(bins);
  const binConf = new Float64Array(bins);
  const binCorrect = new Float64Array(bins);
  let withConfidence = 0;
  let n = 0;
  let correct = 0;
  for (const r of rows) {
    if (r.label === undefined) continue;
    const truth = r.label;
    const pred = r.prediction === null ? undefined : String(r.prediction);
    n++;
    const ok = pred === truth;
    if (ok) correct++;
    const t = classOf(truth);
    const p = pred === undefined ? -1 : classOf(pred);
    while (support.length < names.length) {
      support.push(0);
      predicted.push(0);
      tp.push(0);
    }
    support[t]++;
    if (p >= 0) {
      predicted[p]++;
      // Matching text in the __other__ bucket is a correct answer, not a correct bucket guess.
      if (ok) tp[p]++;
    }
    if (r.confidence !== undefined && Number.isFinite(r.confidence)) {
      const c = Math.min(1, Math.max(0, r.confidence));
      const b = Math.min(bins - 1, Math.floor(c * bins));
      binN[b]++;
      binConf[b] += c;
      if (ok) binCorrect[b]++;
      withConfidence++;
    }
  }
  if (n === 0) return undefined;
  while (support.length < names.length) {
    support.push(0);
    predicted.push(0);
    tp.push(0);
  }
  const classes: ClassPerformance[] = names.map((name, i) => {
    const out: ClassPerformance = { class: name, support: support[i], predicted: predicted[i] };
    if (predicted[i] > 0) out.precision = tp[i] / predicted[i];
    if (support[i] > 0) out.recall = tp[i] / support[i];
    // sklearn: a class that occurs or is predicted counts in the macro average; 0/0 precision or recall counts as 0.
    const pr = out.precision ?? 0;
    const rc = out.recall ?? 0;
    if (support[i] > 0 || predicted[i] > 0) out.f1 = pr + rc > 0 ? (2 * pr * rc) / (pr + rc) : 0;
    return out;
  });
  const present = classes.filter((c) => c.f1 !== undefined);
  const macroF1 = present.reduce((s, c) => s + c.f1!, 0) / Math.max(1, present.length);
  const result: ClassificationPerformance = { task: 'classification', n, accuracy: correct / n, macroF1, classes };
  if (withConfidence > 0) {
    let ece = 0;
    for (let b = 0; b < bins; b++) if (binN[b] > 0) ece += (binN[b] / withConfidence) * Math.abs(binCorrect[b] / binN[b] - binConf[b] / binN[b]);
    result.ece = ece;
  }
  tp = support = predicted = [];
  return result;
}

/** Realized performance of labelled rows; undefined when no row has a usable truth. */
export function realizedPerformance(rows: readonly JoinedPrediction[], options: PerformanceOptions = {}): PerformanceResult | undefined {
  const task = inferTask(rows);
  if (task === 'regression') return regression(rows);
  if (task === 'classification') return classification(rows, options);
  return undefined;
}

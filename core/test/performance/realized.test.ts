import { describe, expect, it } from 'vitest';
import { realizedPerformance, type ClassificationPerformance, type RegressionPerformance } from '../../src/index.js';

const row = (prediction: string | null, label: string, confidence?: number) => ({ prediction, label, ...(confidence !== undefined ? { confidence } : {}) });

describe('realized performance', () => {
  // 8 rows, classes a/b/c. Confusion (truth → predicted): a→a ×3, a→b ×1, b→b ×2, b→a ×1, c→b ×1.
  const rows = [
    row('a', 'a', 0.9), row('a', 'a', 0.8), row('a', 'a', 0.7), row('b', 'a', 0.6),
    row('b', 'b', 0.9), row('b', 'b', 0.55), row('a', 'b', 0.65), row('b', 'c', 0.95),
  ];

  it('computes accuracy, per-class precision/recall and macro F1 (hand-computed)', () => {
    const r = realizedPerformance(rows, { classes: ['a', 'b', 'c'] }) as ClassificationPerformance;
    expect(r.task).toBe('classification');
    expect(r.n).toBe(8);
    expect(r.accuracy).toBeCloseTo(5 / 8, 12);
    const byClass = Object.fromEntries(r.classes.map((c) => [c.class, c]));
    // a: tp 3, predicted 4, support 4 → P 0.75, R 0.75, F1 0.75
    expect(byClass.a).toMatchObject({ support: 4, predicted: 4, precision: 0.75, recall: 0.75 });
    // b: tp 2, predicted 4, support 3 → P 0.5, R 2/3, F1 4/7
    expect(byClass.b.precision).toBeCloseTo(0.5, 12);
    expect(byClass.b.recall).toBeCloseTo(2 / 3, 12);
    // c: never predicted → precision undefined, recall 0, F1 0
    expect(byClass.c).toMatchObject({ support: 1, predicted: 0, recall: 0, f1: 0 });
    expect(byClass.c.precision).toBeUndefined();
    expect(r.macroF1).toBeCloseTo((0.75 + 4 / 7 + 0) / 3, 12);
  });

  it('computes the expected calibration error over 10 equal-width bins', () => {
    const r = realizedPerformance(rows) as ClassificationPerformance;
    // bins: [0.5,0.6): 0.55 ok → |1-0.55|; [0.6,0.7): 0.6 wrong, 0.65 wrong → |0-0.625|;
    // [0.7,0.8): 0.7 ok → 0.3; [0.8,0.9): 0.8 ok → 0.2; [0.9,1]: 0.9 ok, 0.9 ok, 0.95 wrong → |2/3-0.9166…|
    const expected = (1 * 0.45 + 2 * 0.625 + 1 * 0.3 + 1 * 0.2 + 3 * Math.abs(2 / 3 - (0.9 + 0.9 + 0.95) / 3)) / 8;
    expect(r.ece).toBeCloseTo(expected, 12);
  });

  it('bounds classes by the baseline table: other classes are __other__', () => {
    const r = realizedPerformance([row('x', 'y'), row('a', 'a'), row('y', 'y')], { classes: ['a'] }) as ClassificationPerformance;
    expect(r.classes.map((c) => c.class)).toEqual(['a', '__other__']);
    expect(r.accuracy).toBeCloseTo(2 / 3, 12);
    const other = r.classes[1];
    expect(other).toMatchObject({ support: 2, predicted: 2, precision: 0.5, recall: 0.5 });
  });

  it('counts a missing answer as wrong', () => {
    const r = realizedPerformance([row(null, 'a'), row('a', 'a')]) as ClassificationPerformance;
    expect(r.accuracy).toBe(0.5);
  });

  it('computes MAE, RMSE and bias for values', () => {
    const r = realizedPerformance([
      { prediction: 3, labelValue: 1 },
      { prediction: 2, labelValue: 4 },
      { prediction: 5, labelValue: 5 },
    ]) as RegressionPerformance;
    expect(r).toEqual({ task: 'regression', n: 3, mae: 4 / 3, rmse: Math.sqrt(8 / 3), bias: 0 });
  });

  it('is undefined without labelled rows', () => {
    expect(realizedPerformance([])).toBeUndefined();
    expect(realizedPerformance([{ prediction: 'a' }])).toBeUndefined();
  });
});

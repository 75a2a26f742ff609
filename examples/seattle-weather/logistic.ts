/**
 * Multinomial logistic regression, trained with full-batch gradient descent on standardised
 * features. Full-batch with a fixed step count and zero initialisation is deterministic: the
 * same rows always give the same weights, so the committed model.onnx is reproducible.
 */
export interface LogisticModel {
  mean: number[];
  std: number[];
  /** weights[f][k] */
  weights: number[][];
  bias: number[];
}

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  /** L2 penalty on the weights (not the bias). */
  l2: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { epochs: 2000, learningRate: 0.5, l2: 1e-3 };

function standardisation(x: number[][]): { mean: number[]; std: number[] } {
  const d = x[0].length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j], 0) / x.length);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((s, r) => s + (r[j] - m) ** 2, 0) / x.length) || 1);
  return { mean, std };
}

export function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

export function predictProba(model: LogisticModel, x: number[]): number[] {
  const z = x.map((v, j) => (v - model.mean[j]) / model.std[j]);
  const logits = model.bias.map((b, k) => z.reduce((s, v, j) => s + v * model.weights[j][k], b));
  return softmax(logits);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function trainLogistic(x: number[][], y: number[], classes: number, options = DEFAULT_TRAIN_OPTIONS): LogisticModel {
  const { mean, std } = standardisation(x);
  const z = x.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
  const d = mean.length;
  const weights = Array.from({ length: d }, () => new Array<number>(classes).fill(0));
  const bias = new Array<number>(classes).fill(0);
  const n = z.length;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const gW = Array.from({ length: d }, () => new Array<number>(classes).fill(0));
    const gB = new Array<number>(classes).fill(0);
    for (let i = 0; i < n; i++) {
      const logits = bias.map((b, k) => z[i].reduce((s, v, j) => s + v * weights[j][k], b));
      const p = softmax(logits);
      for (let k = 0; k < classes; k++) {
        const err = p[k] - (y[i] === k ? 1 : 0);
        gB[k] += err;
        for (let j = 0; j < d; j++) gW[j][k] += err * z[i][j];
      }
    }
    for (let k = 0; k < classes; k++) {
      bias[k] -= (options.learningRate * gB[k]) / n;
      for (let j = 0; j < d; j++) {
        weights[j][k] -= options.learningRate * (gW[j][k] / n + options.l2 * weights[j][k]);
      }
    }
  }
  return { mean, std, weights, bias };
}

export function accuracy(model: LogisticModel, x: number[][], y: number[]): number {
  const hits = x.filter((r, i) => argmax(predictProba(model, r)) === y[i]).length;
  return hits / x.length;
}

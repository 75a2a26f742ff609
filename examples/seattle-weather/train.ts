/**
 * Trains the example model and writes it next to this script:
 *   npx tsx examples/seattle-weather/train.ts
 * Outputs model.onnx (committed; a test checks this script reproduces it byte for byte),
 * train.csv (the 2012–2013 training period, for baseline profiling) and model.json (figures).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildDenseModel } from '../src/onnx-builder.js';
import { CLASS_LABELS, FEATURE_NAMES, splitHoldout, toCsv, trainingRows, type WeatherRow } from './dataset.js';
import { DEFAULT_TRAIN_OPTIONS, accuracy, trainLogistic, type LogisticModel } from './logistic.js';

export const MODEL_NAME = 'seattle-weather';

export interface TrainedExample {
  model: LogisticModel;
  onnx: Uint8Array;
  holdoutAccuracy: number;
  trainRows: number;
  holdoutRows: number;
}

function xy(rows: WeatherRow[]): { x: number[][]; y: number[] } {
  const labels: readonly string[] = CLASS_LABELS;
  return { x: rows.map((r) => r.features), y: rows.map((r) => labels.indexOf(r.label)) };
}

export function trainExample(): TrainedExample {
  const { train, holdout } = splitHoldout(trainingRows());
  const t = xy(train);
  const model = trainLogistic(t.x, t.y, CLASS_LABELS.length, DEFAULT_TRAIN_OPTIONS);
  const h = xy(holdout);
  const holdoutAccuracy = accuracy(model, h.x, h.y);
  const onnx = buildDenseModel({
    inputName: 'input',
    outputName: 'probabilities',
    featureNames: [...FEATURE_NAMES],
    classLabels: [...CLASS_LABELS],
    // float32 in the graph: round once here so the file does not depend on float64 noise.
    weights: model.weights.map((row) => row.map(Math.fround)),
    bias: model.bias.map(Math.fround),
    standardize: { mean: model.mean.map(Math.fround), std: model.std.map(Math.fround) },
    modelName: MODEL_NAME,
    metadata: { holdout_accuracy: holdoutAccuracy.toFixed(4), training_period: '2012-01-01/2013-12-31' },
  });
  return { model, onnx, holdoutAccuracy, trainRows: train.length, holdoutRows: holdout.length };
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = trainExample();
  writeFileSync(here('model.onnx'), result.onnx);
  writeFileSync(here('train.csv'), toCsv(trainingRows()));
  writeFileSync(
    here('model.json'),
    JSON.stringify(
      {
        name: MODEL_NAME,
        input: 'input',
        output: 'probabilities',
        featureNames: FEATURE_NAMES,
        classLabels: CLASS_LABELS,
        holdoutAccuracy: Number(result.holdoutAccuracy.toFixed(4)),
        trainRows: result.trainRows,
        holdoutRows: result.holdoutRows,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(
    `trained on ${result.trainRows} rows (Seattle 2012-2013), held-out accuracy ${(result.holdoutAccuracy * 100).toFixed(1)}% on ${result.holdoutRows} rows; wrote model.onnx (${result.onnx.length} bytes)`,
  );
}

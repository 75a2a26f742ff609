import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLASS_LABELS, FEATURE_NAMES, replayRows, splitHoldout, trainingRows } from '../seattle-weather/dataset.js';
import { argmax } from '../seattle-weather/logistic.js';
import { trainExample, type TrainedExample } from '../seattle-weather/train.js';

const file = (name: string) => fileURLToPath(new URL(`../seattle-weather/${name}`, import.meta.url));

describe('seattle-weather example model', () => {
  let trained: TrainedExample;
  beforeAll(() => {
    trained = trainExample();
  });

  it('reproduces the committed model.onnx byte for byte', () => {
    const committed = new Uint8Array(readFileSync(file('model.onnx')));
    expect(Buffer.from(trained.onnx).equals(Buffer.from(committed))).toBe(true);
  });

  it('gives the reported held-out accuracy through a real onnxruntime session', async () => {
    const reported = JSON.parse(readFileSync(file('model.json'), 'utf8')) as { holdoutAccuracy: number };
    const session = await ort.InferenceSession.create(file('model.onnx'));
    const { holdout } = splitHoldout(trainingRows());
    const data = Float32Array.from(holdout.flatMap((r) => r.features));
    const out = await session.run({ input: new ort.Tensor('float32', data, [holdout.length, FEATURE_NAMES.length]) });
    const probs = out.probabilities.data as Float32Array;
    let hits = 0;
    holdout.forEach((r, i) => {
      const row = probs.subarray(i * CLASS_LABELS.length, (i + 1) * CLASS_LABELS.length);
      if (CLASS_LABELS[argmax(row)] === r.label) hits++;
    });
    expect(hits / holdout.length).toBeCloseTo(reported.holdoutAccuracy, 3);
    expect(reported.holdoutAccuracy).toBeCloseTo(trained.holdoutAccuracy, 4);
    // Well above always predicting the majority class (sun or rain, under half of the days).
    expect(reported.holdoutAccuracy).toBeGreaterThan(0.7);
    await session.release();
  });

  it('stores feature names and class labels in the model metadata', async () => {
    const session = await ort.InferenceSession.create(file('model.onnx'));
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['probabilities']);
    const text = Buffer.from(readFileSync(file('model.onnx'))).toString('latin1');
    expect(text).toContain(JSON.stringify([...FEATURE_NAMES]));
    expect(text).toContain(JSON.stringify([...CLASS_LABELS]));
    await session.release();
  });

  it('replays data whose label mix really drifts from training', () => {
    const share = (rows: { label: string }[], label: string) => rows.filter((r) => r.label === label).length / rows.length;
    const train = trainingRows();
    const seattleLater = replayRows().filter((r) => r.location === 'Seattle');
    expect(share(train, 'drizzle')).toBeGreaterThan(0.02);
    expect(share(seattleLater, 'drizzle')).toBeLessThan(share(train, 'drizzle') / 2);
    expect(share(seattleLater, 'fog')).toBeGreaterThan(share(train, 'fog') * 2);
    expect(replayRows().some((r) => r.location === 'New York')).toBe(true);
  });
});

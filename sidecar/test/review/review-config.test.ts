import { describe, expect, it } from 'vitest';
import { configFromArgs } from '../../src/config/flags.js';
import { resolveConfig } from '../../src/config/resolve.js';

const base = { model: '/m.onnx', collector: 'http://127.0.0.1:9400', predictions: { bufferDir: '/tmp/mw-records' } };

describe('review configuration', () => {
  it('takes --review-below from the command line and leaves review off without a rule', () => {
    const { input } = configFromArgs(['--model', '/m.onnx', '--collector', 'http://127.0.0.1:9400', '--review-below', '0.8']);
    expect(resolveConfig({ ...input, predictions: { bufferDir: '/tmp/x' } }).review).toEqual({ below: 0.8, outOfRange: false, maxPending: 10_000 });
    expect(resolveConfig(base).review).toBeUndefined();
    expect(resolveConfig({ ...base, review: { outOfRange: true, confidenceOutput: 'score' } }).review).toEqual({ outOfRange: true, confidenceOutput: 'score', maxPending: 10_000 });
  });

  it('refuses a bad threshold, an unknown key, a rule without the prediction log, and review with workers', () => {
    expect(() => resolveConfig({ ...base, review: { below: 1.5 } })).toThrow(/MW_ERR_CONFIG_OUT_OF_RANGE: review.below: got 1.5/);
    expect(() => resolveConfig({ ...base, review: { below: 'high' } })).toThrow(/MW_ERR_CONFIG_INVALID_TYPE: review.below/);
    expect(() => resolveConfig({ ...base, review: { below: 0.5, drifted: true } as never })).toThrow(/MW_ERR_CONFIG_UNKNOWN_KEY: review.drifted/);
    expect(() => resolveConfig({ model: '/m.onnx', collector: 'http://127.0.0.1:9400', review: { below: 0.5 } })).toThrow(/set predictions.bufferDir/);
    expect(() => resolveConfig({ ...base, upstream: undefined, workers: 2, review: { below: 0.5 } })).toThrow(/use one worker with review/);
  });
});

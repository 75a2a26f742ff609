import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';

const base = { upstream: 'http://127.0.0.1:9', collector: 'http://127.0.0.1:9400' };

describe('prediction log configuration', () => {
  it('records ids and outputs of every answer and no inputs by default', () => {
    const c = resolveConfig({ ...base, predictions: { bufferDir: '/tmp/x' } }).predictions;
    expect(c).toMatchObject({ bufferDir: '/tmp/x', sampleOutputs: 1, sampleInputs: 0, flushIntervalMs: 1000, batchSize: 1000 });
    expect(resolveConfig({ upstream: base.upstream }).predictions.bufferDir).toBeUndefined();
  });

  it.each([
    [{ bufferDir: '/tmp/x', sampleInputs: 2 }, base, /MW_ERR_CONFIG_OUT_OF_RANGE: predictions.sampleInputs: got 2, expected 0 to 1/],
    [{ bufferDir: '/tmp/x', shards: 3 }, base, /MW_ERR_CONFIG_UNKNOWN_KEY: predictions.shards/],
    [{ bufferDir: '/tmp/x' }, { upstream: base.upstream }, /MW_ERR_CONFIG_BASELINE_SOURCE: predictions: the prediction log ships records to the collector: set collector/],
    [{ bufferDir: '/tmp/x', privacy: { fields: { email: 'hash' } } }, base, /MW_ERR_CONFIG_NOT_ALLOWED: predictions.privacy: secret:/],
    [{ bufferDir: '/tmp/x', privacy: { redact: [{ name: 'x', pattern: '(' }] } }, base, /predictions.privacy: redaction "x"/],
  ])('refuses %j at startup with a coded message', (predictions, rest, message) => {
    expect(() => resolveConfig({ ...rest, predictions } as never)).toThrow(message);
  });
});

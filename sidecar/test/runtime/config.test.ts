import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, configFromArgs, resolveConfig, startSidecar, type SidecarConfigInput } from '@modelwatch/sidecar';
import { tempDir, writeJson } from './fixtures/model.js';

function configError(input: SidecarConfigInput): ConfigError {
  try {
    resolveConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it('fills defaults for an embedded model and names it after the file', () => {
    const c = resolveConfig({ model: '/models/credit-v2.onnx' });
    expect(c).toMatchObject({
      name: 'credit-v2', modelVersion: '1', pipeline: 'default', stage: 'model', variant: 'primary',
      host: '127.0.0.1', port: 8080, source: { kind: 'embedded', modelPath: '/models/credit-v2.onnx' }, baseline: { kind: 'none' },
    });
    expect(c.limits).toEqual({ maxBodyBytes: 8388608, upstreamTimeoutMs: 30000, lowConfidenceThreshold: 0.5, maxMonitoredFeatures: 100,
      tapMaxPending: 10000, tapPendingTimeoutMs: 30000, maxInFlight: 1024, maxConnections: 4096, headersTimeoutMs: 10000, bodyTimeoutMs: 30000,
      featureCounters: ['sum_count', 'invalid', 'out_of_range'] });
  });

  const cases: [string, SidecarConfigInput, string, RegExp][] = [
    ['neither model nor upstream', {}, 'MW_ERR_CONFIG_MODEL_SOURCE', /set model .*, upstream .* or tap/],
    ['tap with an upstream', { tap: 'kserve', upstream: 'http://x' }, 'MW_ERR_CONFIG_MODEL_SOURCE', /tap: tap mode receives copies of calls: remove upstream/],
    ['an unknown tap format', { tap: 'envoy' }, 'MW_ERR_CONFIG_NOT_ALLOWED', /tap: got "envoy", allowed: kserve, nginx/],
    ['tap kserve with mlflow', { tap: 'kserve', protocol: 'mlflow' }, 'MW_ERR_CONFIG_NOT_ALLOWED', /protocol: got "mlflow", KServe logs v2 \(oip\) or v1 \(tfserving\)/],
    ['a sample ratio above 1', { model: 'a.onnx', traceSampleRatio: 2 }, 'MW_ERR_CONFIG_OUT_OF_RANGE', /traceSampleRatio: got 2, expected 0 to 1/],
    ['workers with tap mode', { tap: 'kserve', workers: 2 }, 'MW_ERR_CONFIG_NOT_ALLOWED', /workers: tap kserve pairs and counts in one process/],
    ['workers with a canary', { upstream: 'http://x', workers: 2, canary: 'http://y', canaryPercent: 10 }, 'MW_ERR_CONFIG_NOT_ALLOWED', /workers: variants .* are routed by one process/],
    ['workers with edge push', { model: 'a.onnx', workers: 2, collector: 'http://c', push: { bufferDir: '/tmp/x' } }, 'MW_ERR_CONFIG_NOT_ALLOWED', /workers: edge push keeps one buffer per process/],
    ['both model and upstream', { model: 'a.onnx', upstream: 'http://x' }, 'MW_ERR_CONFIG_MODEL_SOURCE', /choose one/],
    ['an unknown protocol', { upstream: 'http://x', protocol: 'grpc' }, 'MW_ERR_CONFIG_NOT_ALLOWED', /protocol: got "grpc", allowed: oip, tfserving, mlflow, json/],
    ['an unknown key', { model: 'a.onnx', modle: 1 } as SidecarConfigInput, 'MW_ERR_CONFIG_UNKNOWN_KEY', /modle: unknown key/],
    ['a port out of range', { model: 'a.onnx', port: 70000 }, 'MW_ERR_CONFIG_OUT_OF_RANGE', /port: got 70000, expected 0 to 65535/],
    ['a non-numeric limit', { model: 'a.onnx', limits: { maxBodyBytes: 'lots' as unknown as number } }, 'MW_ERR_CONFIG_INVALID_TYPE', /limits.maxBodyBytes: got "lots", expected an integer/],
    ['a threshold above 1', { model: 'a.onnx', limits: { lowConfidenceThreshold: 1.5 } }, 'MW_ERR_CONFIG_OUT_OF_RANGE', /limits.lowConfidenceThreshold: got 1.5, expected 0 to 1/],
    ['a label value with spaces', { model: 'a.onnx', stage: 'my stage' }, 'MW_ERR_CONFIG_NOT_ALLOWED', /stage: got "my stage"/],
    ['a non-http upstream', { upstream: 'ftp://x' }, 'MW_ERR_CONFIG_NOT_ALLOWED', /upstream: got "ftp:\/\/x", expected an http/],
    ['json without pointers', { upstream: 'http://x', protocol: 'json' }, 'MW_ERR_CONFIG_INVALID_TYPE', /json: .*required with protocol json/],
    ['a bad feature type', { model: 'a.onnx', features: [{ name: 'f', type: 'text' }] }, 'MW_ERR_CONFIG_NOT_ALLOWED', /features\[0\].type: got "text", allowed: numeric, categorical/],
    ['both baseline file and collector', { model: 'a.onnx', baseline: 'b.json', collector: 'http://c' }, 'MW_ERR_CONFIG_BASELINE_SOURCE', /choose one/],
  ];
  for (const [what, input, code, message] of cases) {
    it(`fails with ${code} on ${what}`, () => {
      const err = configError(input);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
    });
  }
});

describe('configFromArgs', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('reads a YAML file and lets flags override its keys', () => {
    const file = join(tmp.dir, 'sidecar.yaml');
    writeFileSync(file, 'upstream: http://model:8000\nprotocol: tfserving\nstage: ranker\nlimits:\n  upstreamTimeoutMs: 500\nfeatures: [a, {name: b, type: categorical}]\n');
    const { input } = configFromArgs(['--config', file, '--stage', 'reranker', '--max-features', '7']);
    const c = resolveConfig(input);
    expect(c.source).toEqual({ kind: 'proxy', upstream: 'http://model:8000', protocol: 'tfserving' });
    expect(c.stage).toBe('reranker');
    expect(c.limits.upstreamTimeoutMs).toBe(500);
    expect(c.limits.maxMonitoredFeatures).toBe(7);
    expect(c.features).toEqual([{ name: 'a', type: 'numeric' }, { name: 'b', type: 'categorical' }]);
  });

  it('throws on an unknown flag', () => {
    expect(() => configFromArgs(['--modle', 'x'])).toThrow(/Unknown option '--modle'/);
  });

  it('names the file when it is not valid YAML', () => {
    const file = join(tmp.dir, 'bad.yaml');
    writeFileSync(file, 'a: [unclosed\n');
    expect(() => configFromArgs(['--config', file])).toThrow(/MW_ERR_CONFIG_FILE: .*bad.yaml: not valid YAML/);
  });

  it('fails fast at startup on a model file that is not ONNX and on a baseline that is not a profile', async () => {
    const notOnnx = join(tmp.dir, 'x.onnx');
    writeFileSync(notOnnx, 'not a model');
    await expect(startSidecar({ model: notOnnx, port: 0 })).rejects.toThrow(/MW_ERR_CONFIG_MODEL_SOURCE: model: cannot load/);
    const badBaseline = writeJson(tmp.dir, 'b.json', { hello: 1 });
    await expect(startSidecar({ upstream: 'http://127.0.0.1:9', baseline: badBaseline, port: 0 })).rejects.toThrow(/MW_ERR_CONFIG_BASELINE_SOURCE: baseline: .*not a baseline profile/);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '@modelwatch/sidecar';
import { otlpOptionsFromEnv } from '../../src/tracing/otlp-env.js';
import { sampleRatioFromEnv } from '../../src/tracing/tracing.js';

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('OTLP exporter configuration from OTEL_* variables', () => {
  it('is off without an endpoint or with OTEL_TRACES_EXPORTER=none', () => {
    expect(otlpOptionsFromEnv({})).toBeUndefined();
    expect(otlpOptionsFromEnv({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(otlpOptionsFromEnv({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'console, otlp' })).toBeDefined();
  });

  it('appends /v1/traces to the general endpoint and takes the traces endpoint as it is', () => {
    expect(otlpOptionsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })!.url).toBe('http://collector:4318/v1/traces');
    expect(otlpOptionsFromEnv({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://x.example/custom' })!.url).toBe('https://x.example/custom');
  });

  it('defaults to http/protobuf, takes http/json, and fails fast on grpc naming the variable', () => {
    expect(otlpOptionsFromEnv(ENDPOINT)!.protocol).toBe('http/protobuf');
    expect(otlpOptionsFromEnv({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })!.protocol).toBe('http/json');
    // The traces-specific variable wins over the general one.
    expect(otlpOptionsFromEnv({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })!.protocol).toBe('http/json');
    const err = configError(() => otlpOptionsFromEnv({ ...ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }));
    expect(err.code).toBe('MW_ERR_CONFIG_NOT_ALLOWED');
    expect(err.message).toContain('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
    expect(err.message).toContain('http/protobuf');
  });

  it('parses headers (percent-decoded, traces-specific first) and rejects malformed ones', () => {
    expect(otlpOptionsFromEnv({ ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: 'Api-Key=a%3Db , x-b=c' })!.headers).toEqual({ 'api-key': 'a=b', 'x-b': 'c' });
    expect(otlpOptionsFromEnv({ ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: 'a=1', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=2' })!.headers).toEqual({ b: '2' });
    const err = configError(() => otlpOptionsFromEnv({ ...ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }));
    expect(err.message).toContain('OTEL_EXPORTER_OTLP_HEADERS');
  });

  it('builds the resource from OTEL_RESOURCE_ATTRIBUTES with OTEL_SERVICE_NAME winning, default modelwatch-sidecar', () => {
    expect(otlpOptionsFromEnv(ENDPOINT)!.envelope.resource).toMatchObject({ 'service.name': 'modelwatch-sidecar' });
    expect(otlpOptionsFromEnv({ ...ENDPOINT, OTEL_RESOURCE_ATTRIBUTES: 'service.name=a,k8s.pod.name=p%2D1' })!.envelope.resource)
      .toMatchObject({ 'service.name': 'a', 'k8s.pod.name': 'p-1' });
    expect(otlpOptionsFromEnv({ ...ENDPOINT, OTEL_RESOURCE_ATTRIBUTES: 'service.name=a', OTEL_SERVICE_NAME: 'b' })!.envelope.resource['service.name']).toBe('b');
  });

  it('takes batch limits and timeouts from OTEL_BSP_* and OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT, rejecting non-positive numbers', () => {
    expect(otlpOptionsFromEnv(ENDPOINT)).toMatchObject({ maxQueueSize: 2048, maxBatchSize: 512, scheduleDelayMs: 5000, timeoutMs: 10_000 });
    expect(otlpOptionsFromEnv({
      ...ENDPOINT, OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_EXPORTER_OTLP_TIMEOUT: '700', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '800',
    })).toMatchObject({ maxQueueSize: 100, maxBatchSize: 10, scheduleDelayMs: 50, timeoutMs: 800 });
    expect(configError(() => otlpOptionsFromEnv({ ...ENDPOINT, OTEL_BSP_MAX_QUEUE_SIZE: '-1' })).message).toContain('OTEL_BSP_MAX_QUEUE_SIZE');
    expect(configError(() => otlpOptionsFromEnv({ ...ENDPOINT, OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' })).message).toContain('OTEL_EXPORTER_OTLP_COMPRESSION');
  });

  it('reads the head-sampling ratio from OTEL_TRACES_SAMPLER(_ARG) unless configured', () => {
    expect(sampleRatioFromEnv(undefined, {})).toBe(1);
    expect(sampleRatioFromEnv(undefined, { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toBe(0.25);
    expect(sampleRatioFromEnv(undefined, { OTEL_TRACES_SAMPLER: 'always_off' })).toBe(0);
    expect(sampleRatioFromEnv(0.5, { OTEL_TRACES_SAMPLER: 'always_off' })).toBe(0.5);
  });
});

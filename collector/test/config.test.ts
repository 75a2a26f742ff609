import { describe, expect, it } from 'vitest';
import { ConfigError, parseDuration, resolveOptions } from '../src/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ConfigError ? err.code : `not a ConfigError: ${String(err)}`;
  }
  return undefined;
}

describe('collector options', () => {
  it('defaults to port 9400 on loopback, SQLite, windows 15m/1h/1d every minute', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({ port: 9400, host: '127.0.0.1', db: 'modelwatch.db', evaluateEveryMs: 60_000, historyKeep: 1440 });
    expect(o.windows).toEqual([
      { label: '15m', ms: 900_000 },
      { label: '1h', ms: 3_600_000 },
      { label: '1d', ms: 86_400_000 },
    ]);
  });

  it('parses Prometheus-style durations and refuses anything else', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    for (const bad of ['', '0m', '1.5h', '15', 'm', '1h30m', '-1m']) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it.each([
    ['MW_COLLECTOR_PORT', { port: 70000 }],
    ['MW_COLLECTOR_WINDOWS', { windows: ['15m', 'soon'] }],
    ['MW_COLLECTOR_WINDOWS', { windows: [] }],
    ['MW_COLLECTOR_WINDOWS', { windows: ['1h', '1h'] }],
    ['MW_COLLECTOR_INTERVAL', { evaluateEvery: '1 minute' }],
    ['MW_COLLECTOR_MAX_BODY', { maxBodyBytes: 0 }],
    ['MW_COLLECTOR_PROMETHEUS_URL', { prometheusUrl: 'prometheus:9090' }],
    ['MW_COLLECTOR_TOKEN', { token: '' }],
    ['MW_COLLECTOR_HISTORY', { historyKeep: 0 }],
    ['MW_COLLECTOR_DRIFT', { drift: { datasetDriftShare: 2 } }],
    ['MW_COLLECTOR_DRIFT', { drift: { method: 'magic' } }],
    ['MW_COLLECTOR_PROMETHEUS_HEADER', { prometheusHeaders: { 'X-Scope-OrgID': 'a\r\nInjected: 1' } }],
    ['MW_COLLECTOR_PROMETHEUS_HEADER', { prometheusHeaders: { 'bad header': 'x' } }],
    ['MW_COLLECTOR_QUERY_TIMEOUT', { queryTimeout: '10 seconds' }],
    ['MW_COLLECTOR_QUERY_TIMEOUT', { queryTimeoutMs: 5 }],
    ['MW_COLLECTOR_WINDOWS_FROM', { windowsFrom: 'rules' as 'raw' }],
    ['MW_COLLECTOR_CONCURRENCY', { modelConcurrency: 0 }],
    ['MW_COLLECTOR_CONCURRENCY', { modelConcurrency: 1.5 }],
    ['MW_COLLECTOR_ROUND_BUDGET', { roundBudget: 'forever' }],
    ['MW_COLLECTOR_FEATURES_PER_QUERY', { featuresPerQuery: -1 }],
    ['MW_COLLECTOR_LEASE_TTL', { leaseTtl: '500ms' }],
    ['MW_COLLECTOR_CONCEPT_DRIFT', { conceptDrift: { adwin: { delta: 2 } } }],
    ['MW_COLLECTOR_CONCEPT_DRIFT', { conceptDrift: { kswin: {} } as object }],
    ['MW_COLLECTOR_PENDING_LABELS', { pendingLabels: { max: -1 } }],
    ['MW_COLLECTOR_PENDING_LABELS', { pendingLabels: { max: 2.5 } }],
    ['MW_COLLECTOR_PENDING_LABELS', { pendingLabels: { grace: 'soon' } }],
    ['MW_COLLECTOR_PENDING_LABELS', { pendingLabels: { grace: '100ms' } }],
  ])('fails fast with %s', (code, options) => {
    expect(codeOf(() => resolveOptions(options))).toBe(code);
  });

  it('holds up to 100,000 early labels per model for 1h by default; max 0 turns holding off', () => {
    expect(resolveOptions().pendingLabels).toEqual({ max: 100_000, graceMs: 3_600_000 });
    expect(resolveOptions({ pendingLabels: { max: 0, grace: '15m' } }).pendingLabels).toEqual({ max: 0, graceMs: 900_000 });
  });

  it('strips trailing slashes from the Prometheus URL', () => {
    expect(resolveOptions({ prometheusUrl: 'http://thanos-query:9090/' }).prometheusUrl).toBe('http://thanos-query:9090');
  });

  it('defaults the scale options: raw windows, 10 s query timeout, 4 models at once, the interval as round budget', () => {
    const o = resolveOptions({ evaluateEvery: '30s' });
    expect(o).toMatchObject({ windowsFrom: 'raw', queryTimeoutMs: 10_000, modelConcurrency: 4, roundBudgetMs: 30_000, featuresPerQuery: 0 });
    // Half the interval, but never under 5 s: a lease must outlive one slow renewal.
    expect(o.leaseTtlMs).toBe(15_000);
    expect(resolveOptions({ evaluateEvery: '2s' }).leaseTtlMs).toBe(5_000);
  });

  it('takes the query timeout and round budget as durations', () => {
    const o = resolveOptions({ queryTimeout: '45s', roundBudget: '50s', windowsFrom: 'recorded', leaseTtl: '3s' });
    expect(o).toMatchObject({ queryTimeoutMs: 45_000, roundBudgetMs: 50_000, windowsFrom: 'recorded', leaseTtlMs: 3_000 });
  });
});

describe('token options', () => {
  const good = { name: 'ci', token: 'x'.repeat(16), scopes: ['writer'] };

  it('reads scoped tokens and adds --token as an admin token', () => {
    const o = resolveOptions({ tokens: [good, { name: 'grafana', token: 'y'.repeat(16), scopes: ['reader'] }], token: 'short-admin' });
    expect(o.tokens.readsClosed).toBe(true);
    expect(o.tokens.writesClosed).toBe(true);
    expect(o.tokens.find('short-admin')?.scopes.has('admin')).toBe(true);
    expect(o.tokens.find('x'.repeat(16))?.name).toBe('ci');
  });

  it('says at startup that everything is open when no token is configured', () => {
    expect(resolveOptions().tokens.describe()).toMatch(/no tokens configured: reads and writes are open/);
    expect(resolveOptions({ token: 'a' }).tokens.describe()).toMatch(/reads are open/);
  });

  it.each([
    ['not a list', { a: 1 }],
    ['an unknown scope', [{ ...good, scopes: ['root'] }]],
    ['no scopes', [{ ...good, scopes: [] }]],
    ['a short token', [{ ...good, token: 'abc' }]],
    ['a duplicate name', [good, { ...good, token: 'z'.repeat(16) }]],
    ['a repeated secret', [good, { ...good, name: 'other' }]],
    ['an unknown key', [{ ...good, role: 'x' }]],
  ])('fails fast with MW_COLLECTOR_TOKENS on %s, without echoing the secret', (_what, tokens) => {
    let err: unknown;
    try {
      resolveOptions({ tokens });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('MW_COLLECTOR_TOKENS');
    expect((err as Error).message).not.toContain('x'.repeat(16));
  });
});

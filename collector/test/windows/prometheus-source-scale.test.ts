import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusWindowSource } from '../../src/windows/prometheus-source.js';
import type { WindowError } from '../../src/windows/window-source.js';
import { createProfile } from '../helpers/factories.js';
import { waitFor } from '../helpers/ports.js';
import { FakeReplica, histogramSeries, startPrometheus, waitForIncrease, type TestPrometheus } from '../helpers/prometheus.js';

const ID = 'model_version="1",pipeline="p",stage="s",variant="primary"';
const TYPES = ['# TYPE modelwatch_input_feature_value histogram', '# TYPE modelwatch_input_invalid_values_total counter'];
const EDGES = [0.5, 1.5, 2.5];
const RULES = fileURLToPath(new URL('../../../alert-rules/rules/windows.yaml', import.meta.url));
/** The shipped rules, time-scaled from 1m to 3s so a test sees several evaluations. */
const FAST_RULES = readFileSync(RULES, 'utf8').replaceAll('interval: 1m', 'interval: 3s').replaceAll('[1m]', '[3s]');

/** Model "m": one numeric feature x binned 1:2:3:4 per scrape. */
function replicaSeries(): Map<string, number> {
  return new Map([
    ...histogramSeries('modelwatch_input_feature_value', `model="m",${ID},feature="x"`, EDGES, [1, 2, 3, 4]),
  ]);
}

const replicas = [new FakeReplica(TYPES, replicaSeries()), new FakeReplica(TYPES, replicaSeries())];
let prom: TestPrometheus;

beforeAll(async () => {
  for (const r of replicas) await r.start();
  prom = await startPrometheus(replicas.map((r) => r.port), { rules: [FAST_RULES] });
  await waitForIncrease(prom.url, 'modelwatch_input_feature_value_bucket');
}, 60_000);
afterAll(async () => {
  await prom?.stop();
  for (const r of replicas) await r.stop();
});

describe('PrometheusWindowSource at scale', () => {
  it('reads windows from the shipped cross-replica recording rules with the same bin proportions as the raw series', async () => {
    const outcomes: string[] = [];
    const recorded = new PrometheusWindowSource(prom.url, 10_000, {}, { windowsFrom: 'recorded', observe: (o) => outcomes.push(o) });
    const raw = new PrometheusWindowSource(prom.url);
    const window = { label: '30s', ms: 30_000 };
    // Two rule evaluations at least, so the recorded window has something to sum.
    const fromRules = await waitFor('recorded window series', async () => {
      const w = await recorded.fetch(createProfile('m'), window, Date.now());
      const n = w?.features[0].counts.reduce((a, b) => a + b, 0) ?? 0;
      return n > 0 ? w : undefined;
    });
    const fromRaw = await raw.fetch(createProfile('m'), window, Date.now());
    const x = fromRules!.features[0].counts;
    const y = fromRaw!.features[0].counts;
    for (let i = 0; i < 4; i++) {
      expect(x[i] / x[0]).toBeCloseTo(i + 1, 6);
      expect(y[i] / y[0]).toBeCloseTo(i + 1, 6);
    }
    expect(outcomes.every((o) => o === 'ok')).toBe(true);
  });

  it('finds nothing in recorded mode for a model the rules have not recorded, rather than reading raw series', async () => {
    const recorded = new PrometheusWindowSource(prom.url, 10_000, {}, { windowsFrom: 'recorded' });
    expect(await recorded.fetch(createProfile('unrecorded'), { label: '1m', ms: 60_000 }, Date.now())).toBeUndefined();
  });

});

describe('PrometheusWindowSource failures', () => {
  let hanging: Server;
  let hangingUrl: string;
  beforeAll(async () => {
    // Accepts the connection and never answers: an engine that is up but slow.
    hanging = createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise<void>((r) => hanging.close(() => r()));
  });

  it('reports an engine that is up but slower than the timeout as prometheus_timeout, not unreachable', async () => {
    const started = Date.now();
    const source = new PrometheusWindowSource(hangingUrl, 300);
    const err = (await source.fetch(createProfile('m'), { label: '1m', ms: 60_000 }, Date.now()).catch((e) => e)) as WindowError;
    expect(err.reason).toBe('prometheus_timeout');
    expect(err.code).toBe('MW_ERR_SOURCE_TIMEOUT');
    expect(err.message).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a refused connection as prometheus_unreachable', async () => {
    const source = new PrometheusWindowSource('http://127.0.0.1:1', 2_000);
    const err = (await source.fetch(createProfile('m'), { label: '1m', ms: 60_000 }, Date.now()).catch((e) => e)) as WindowError;
    expect(err.reason).toBe('prometheus_unreachable');
    expect(err.code).toBe('MW_ERR_SOURCE_UNREACHABLE');
  });

  it('reports VictoriaMetrics’ timeout answer (HTTP 422 "timeout exceeded") as prometheus_timeout and does not split it', async () => {
    // VictoriaMetrics 1.79's answer, verbatim, to the raw bucket query of 500 replicas × 100
    // features that ran past its timeout (bench/scale). A real VictoriaMetrics over this test's few
    // series finishes before it checks its deadline, so the answer is replayed: read as
    // "too large" (it says "exceeded", with 422), it was split down to single features, each of
    // which waited out the timeout again.
    const answer = JSON.stringify({
      status: 'error',
      errorType: '422',
      error: 'error when executing query="sum by (variant, feature, le) (increase(modelwatch_input_feature_value_bucket{model=\\"m\\"}[15m]))" for (time=1795939428949, step=300000): timeout exceeded during the query: 9.000 seconds (elapsed 9.013 seconds); the timeout can be adjusted with `-search.maxQueryDuration` command-line flag',
    });
    let requests = 0;
    const vm = createServer((_req, res) => {
      requests++;
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(answer);
    });
    await new Promise<void>((r) => vm.listen(0, '127.0.0.1', r));
    try {
      const outcomes: string[] = [];
      const source = new PrometheusWindowSource(`http://127.0.0.1:${(vm.address() as AddressInfo).port}`, 10_000, {}, { observe: (o) => outcomes.push(o) });
      const profile = createProfile('m');
      const wide = { ...profile, features: ['a', 'b', 'c', 'd'].map((name) => ({ ...profile.features[0], name })) };
      const err = (await source.fetch(wide, { label: '15m', ms: 900_000 }, Date.now()).catch((e) => e)) as WindowError;
      expect(err.reason).toBe('prometheus_timeout');
      expect(err.code).toBe('MW_ERR_SOURCE_TIMEOUT');
      // Every query that came back was a timeout: none was taken for "too large" and retried in halves.
      expect(outcomes.length).toBeGreaterThan(0);
      expect(outcomes.every((o) => o === 'timeout'), outcomes.join(',')).toBe(true);
      expect(requests).toBeLessThanOrEqual(2);
    } finally {
      vm.closeAllConnections();
      await new Promise<void>((r) => vm.close(() => r()));
    }
  });

  it('reports the engine’s own timeout answer as prometheus_timeout', async () => {
    // A gateway that shrinks the timeout we send to 1 µs: the real Prometheus then answers its own
    // timeout error (503, errorType "timeout") instead of the client's abort firing.
    const gateway = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      form.set('timeout', '0.000001');
      const up = await fetch(`${prom.url}${req.url}`, { method: 'POST', body: form });
      res.writeHead(up.status, { 'content-type': 'application/json' });
      res.end(await up.text());
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    try {
      const source = new PrometheusWindowSource(`http://127.0.0.1:${(gateway.address() as AddressInfo).port}`, 10_000);
      const err = (await source.fetch(createProfile('m'), { label: '1m', ms: 60_000 }, Date.now()).catch((e) => e)) as WindowError;
      expect(err.reason).toBe('prometheus_timeout');
      expect(err.code).toBe('MW_ERR_SOURCE_TIMEOUT');
    } finally {
      gateway.closeAllConnections();
      await new Promise<void>((r) => gateway.close(() => r()));
    }
  });
});

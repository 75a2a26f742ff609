import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusWindowSource } from '../../src/windows/prometheus-source.js';
import { WindowError } from '../../src/windows/window-source.js';
import { createProfile } from '../helpers/factories.js';
import { FakeReplica, histogramSeries, startPrometheus, waitForIncrease, type TestPrometheus } from '../helpers/prometheus.js';

const ID = 'model_version="1",pipeline="p",stage="s",variant="primary"';
const TYPES = [
  '# TYPE modelwatch_input_feature_value histogram',
  '# TYPE modelwatch_input_category_total counter',
  '# TYPE modelwatch_input_invalid_values_total counter',
  '# TYPE modelwatch_output_class_total counter',
  '# TYPE modelwatch_output_confidence histogram',
  '# TYPE modelwatch_output_empty_total counter',
];

/** One replica of model "m" (edges match the baseline) and of model "skewed" (edges do not). */
function replicaSeries(): Map<string, number> {
  return new Map([
    ...histogramSeries('modelwatch_input_feature_value', `model="m",${ID},feature="x"`, [0.5, 1.5, 2.5], [1, 2, 3, 4]),
    [`modelwatch_input_category_total{model="m",${ID},feature="color",category="red"}`, 5],
    [`modelwatch_input_category_total{model="m",${ID},feature="color",category="blue"}`, 3],
    [`modelwatch_input_category_total{model="m",${ID},feature="color",category="__other__"}`, 2],
    [`modelwatch_input_invalid_values_total{model="m",${ID},feature="x",kind="missing"}`, 1],
    [`modelwatch_input_invalid_values_total{model="m",${ID},feature="x",kind="nan"}`, 1],
    ...histogramSeries('modelwatch_input_feature_value', `model="skewed",${ID},feature="x"`, [1, 2], [1, 1, 1]),
    [`modelwatch_output_class_total{model="m",${ID},output="weather",class="sun"}`, 6],
    [`modelwatch_output_class_total{model="m",${ID},output="weather",class="hail"}`, 1],
    ...histogramSeries('modelwatch_output_confidence', `model="m",${ID},output="weather"`, [0.5, 0.9], [1, 3, 3]),
    [`modelwatch_output_empty_total{model="m",${ID},output="weather"}`, 1],
  ]);
}

/** Model "m" also profiles its class output and the confidence of that output. */
function profileWithOutputs() {
  return createProfile('m', {
    outputs: [
      { name: 'weather', output: 'weather', role: 'prediction', type: 'categorical', count: 100, missing: 0, categories: [{ value: 'rain', count: 50 }, { value: 'sun', count: 50 }], otherCount: 0 },
      { name: 'weather:confidence', output: 'weather', role: 'confidence', type: 'numeric', count: 100, missing: 0, min: 0.2, max: 1, mean: 0.7, std: 0.2, bins: { edges: [0.5, 0.9], counts: [30, 40, 30] } },
    ],
  });
}

const replicas = [new FakeReplica(TYPES, replicaSeries()), new FakeReplica(TYPES, replicaSeries())];
let prom: TestPrometheus;

beforeAll(async () => {
  for (const r of replicas) await r.start();
  prom = await startPrometheus(replicas.map((r) => r.port));
  await waitForIncrease(prom.url, 'modelwatch_input_category_total');
});
afterAll(async () => {
  await prom?.stop();
  for (const r of replicas) await r.stop();
});

async function instantValue(query: string, endMs: number): Promise<number> {
  const res = await fetch(`${prom.url}/api/v1/query?${new URLSearchParams({ query, time: String(endMs / 1000) })}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0].value[1]);
}

describe('PrometheusWindowSource on a real Prometheus', () => {
  it('turns cumulative le buckets summed across replicas into per-bin counts on the baseline edges', async () => {
    const source = new PrometheusWindowSource(prom.url);
    const endMs = Date.now();
    const w = await source.fetch(createProfile('m'), { label: '1m', ms: 60_000 }, endMs);
    expect(w).toBeDefined();
    const x = w!.features.find((f) => f.name === 'x')!;
    expect(x.counts).toHaveLength(4);
    // Per scrape the replica adds 1, 2, 3, 4 to the four bins: the window keeps those proportions.
    for (let i = 0; i < 4; i++) expect(x.counts[i] / x.counts[0]).toBeCloseTo(i + 1, 9);
    // Every replica is in the sum: the bins add up to the total count across both instances.
    const total = await instantValue('sum(increase(modelwatch_input_feature_value_count{model="m"}[1m]))', endMs);
    expect(x.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 9);
    expect(total).toBeGreaterThan(0);
  });

  it('maps categories to the baseline table order with __other__ last, and sums invalid values as missing', async () => {
    const source = new PrometheusWindowSource(prom.url);
    const w = (await source.fetch(createProfile('m'), { label: '1m', ms: 60_000 }, Date.now()))!;
    const color = w.features.find((f) => f.name === 'color')!;
    expect(color.counts[1] / color.counts[0]).toBeCloseTo(3 / 5, 9);
    expect(color.counts[2] / color.counts[0]).toBeCloseTo(2 / 5, 9);
    const x = w.features.find((f) => f.name === 'x')!;
    // missing + nan per scrape (2) against 10 values per scrape.
    expect(x.missing / x.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(0.2, 9);
  });

  it('reads predicted classes, confidence buckets and empty outputs per output and role', async () => {
    const source = new PrometheusWindowSource(prom.url);
    const w = (await source.fetch(profileWithOutputs(), { label: '1m', ms: 60_000 }, Date.now()))!;
    const [classes, confidence] = w.outputs;
    expect(classes).toMatchObject({ name: 'weather', output: 'weather', role: 'prediction' });
    // Table order rain, sun, then __other__ (where the unseen "hail" goes).
    expect(classes.counts[0]).toBe(0);
    expect(classes.counts[2] / classes.counts[1]).toBeCloseTo(1 / 6, 9);
    expect(classes.missing / classes.counts[1]).toBeCloseTo(1 / 6, 9);
    expect(confidence.role).toBe('confidence');
    expect(confidence.missing).toBe(0);
    expect(confidence.counts[1] / confidence.counts[0]).toBeCloseTo(3, 9);
    expect(confidence.counts[2] / confidence.counts[0]).toBeCloseTo(3, 9);
  });

  it('refuses buckets that do not match the baseline edges with a bucket_mismatch error', async () => {
    const source = new PrometheusWindowSource(prom.url);
    const err = await source.fetch(createProfile('skewed'), { label: '1m', ms: 60_000 }, Date.now()).catch((e) => e);
    expect(err).toBeInstanceOf(WindowError);
    expect((err as WindowError).reason).toBe('bucket_mismatch');
    expect((err as Error).message).toMatch(/live buckets \[1,2,\+Inf\] do not match the baseline edges \[0\.5,1\.5,2\.5,\+Inf\]/);
  });

  it('returns undefined for a model Prometheus has never seen', async () => {
    const source = new PrometheusWindowSource(prom.url);
    expect(await source.fetch(createProfile('unseen'), { label: '1m', ms: 60_000 }, Date.now())).toBeUndefined();
  });

  it('sends the configured headers (a Mimir tenant) on every query', async () => {
    // A recording pass-through in front of the real Prometheus, as a Mimir gateway would sit.
    const seen: (string | undefined)[] = [];
    const target = new URL(prom.url);
    const gateway = createServer((req, res) => {
      seen.push(req.headers['x-scope-orgid'] as string | undefined);
      const upstream = request({ host: target.hostname, port: target.port, path: req.url!.replace(/^\/prometheus/, ''), method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/prometheus`;
      const source = new PrometheusWindowSource(base, 10_000, { 'X-Scope-OrgID': 'team-a' });
      const w = await source.fetch(createProfile('m'), { label: '1m', ms: 60_000 }, Date.now());
      expect(w!.features[0].counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(seen.length).toBe(3);
      expect(new Set(seen)).toEqual(new Set(['team-a']));
    } finally {
      gateway.closeAllConnections();
      await new Promise<void>((r) => gateway.close(() => r()));
    }
  });

  it('reports an unreachable Prometheus as prometheus_unreachable', async () => {
    const source = new PrometheusWindowSource('http://127.0.0.1:1', 2_000);
    const err = await source.fetch(createProfile('m'), { label: '1m', ms: 60_000 }, Date.now()).catch((e) => e);
    expect((err as WindowError).reason).toBe('prometheus_unreachable');
  });

  it('reports a rejected query as prometheus_error', async () => {
    const source = new PrometheusWindowSource(prom.url);
    // A window label Prometheus cannot parse makes the query itself fail.
    const err = await source.fetch(createProfile('m'), { label: '1x', ms: 60_000 }, Date.now()).catch((e) => e);
    expect((err as WindowError).reason).toBe('prometheus_error');
  });
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { computeDrift, type BaselineProfile, type LiveWindow } from '@modelwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusWindowSource } from '../../src/windows/prometheus-source.js';
import { createProfile } from '../helpers/factories.js';
import { waitFor } from '../helpers/ports.js';
import { FakeReplica, histogramSeries, startPrometheus, type TestPrometheus } from '../helpers/prometheus.js';
import { startVictoriaMetrics, startVmalert, type TestProcess } from '../helpers/victoria-metrics.js';

/**
 * VictoriaMetrics as a second Prometheus-API backend: the same replicas are scraped by a real
 * Prometheus and a real VictoriaMetrics; the collector's window queries, and the shipped window
 * recording rules (evaluated by vmalert, VictoriaMetrics' ruler, from the same Debian package),
 * must give the same drift results on both.
 */
const ID = 'model_version="1",pipeline="p",stage="s",variant="primary"';
const TYPES = [
  '# TYPE modelwatch_input_feature_value histogram',
  '# TYPE modelwatch_input_category_total counter',
  '# TYPE modelwatch_input_invalid_values_total counter',
];
const FEATURES = ['f0', 'f1', 'f2', 'f3'];
const EDGES = [0.5, 1.5, 2.5];
const RULES = fileURLToPath(new URL('../../../alert-rules/rules/windows.yaml', import.meta.url));
const FAST_RULES = readFileSync(RULES, 'utf8').replaceAll('interval: 1m', 'interval: 3s').replaceAll('[1m]', '[3s]');

function replicaSeries(): Map<string, number> {
  return new Map([
    ...histogramSeries('modelwatch_input_feature_value', `model="m",${ID},feature="x"`, EDGES, [1, 2, 3, 4]),
    [`modelwatch_input_category_total{model="m",${ID},feature="color",category="red"}`, 5],
    [`modelwatch_input_category_total{model="m",${ID},feature="color",category="blue"}`, 3],
    [`modelwatch_input_category_total{model="m",${ID},feature="color",category="__other__"}`, 2],
    [`modelwatch_input_invalid_values_total{model="m",${ID},feature="x",kind="nan"}`, 1],
    ...FEATURES.flatMap((f, i) => [...histogramSeries('modelwatch_input_feature_value', `model="wide",${ID},feature="${f}"`, EDGES, [1, 1, 1, i + 1])]),
  ]);
}

/** Four numeric features: 2 replicas × 4 features × 4 buckets = 32 bucket series, over a limit of 20. */
function wideProfile(): BaselineProfile {
  const base = createProfile('wide');
  return { ...base, features: FEATURES.map((name) => ({ ...base.features[0], name })) };
}

/** PSI and Jensen-Shannon depend on bin proportions only, so engines that extrapolate differently still agree. */
const DRIFT = { method: 'psi' } as const;

function proportions(w: LiveWindow, feature: string): number[] {
  const c = w.features.find((f) => f.name === feature)!.counts;
  const n = c.reduce((a, b) => a + b, 0);
  return c.map((v) => v / n);
}

const replicas = [new FakeReplica(TYPES, replicaSeries()), new FakeReplica(TYPES, replicaSeries())];
let prom: TestPrometheus;
let vm: TestProcess;
let vmalert: TestProcess;
/** A VictoriaMetrics with a unique-series limit the "wide" model's query is over. */
let limited: TestProcess;

beforeAll(async () => {
  for (const r of replicas) await r.start();
  const ports = replicas.map((r) => r.port);
  [prom, vm, limited] = await Promise.all([
    startPrometheus(ports, { rules: [FAST_RULES] }),
    startVictoriaMetrics(ports),
    // The failure: VictoriaMetrics refusing a query over more unique series than its limit
    // (HTTP 422). Its own recording rules would hit the same limit (they read every replica's
    // series): a separate instance, as the limit is per query.
    startVictoriaMetrics(ports, ['-search.maxUniqueTimeseries=20']),
  ]);
  vmalert = await startVmalert(vm.url, [FAST_RULES], '3s');
}, 60_000);
afterAll(async () => {
  await vmalert?.stop();
  await vm?.stop();
  await limited?.stop();
  await prom?.stop();
  for (const r of replicas) await r.stop();
});

/** The first window with data in every numeric and categorical feature. */
async function windowOf(source: PrometheusWindowSource, baseline: BaselineProfile, label: string): Promise<LiveWindow> {
  return waitFor(`a full ${label} window`, async () => {
    const w = await source.fetch(baseline, { label, ms: 30_000 }, Date.now());
    return w && w.features.every((f) => f.counts.reduce((a, b) => a + b, 0) > 0) ? w : undefined;
  });
}

describe('VictoriaMetrics as a window backend', () => {
  it('gives the same drift results as Prometheus from the raw series', async () => {
    const baseline = createProfile('m');
    const [onProm, onVm] = await Promise.all([
      windowOf(new PrometheusWindowSource(prom.url), baseline, '30s'),
      windowOf(new PrometheusWindowSource(vm.url), baseline, '30s'),
    ]);
    for (const f of ['x', 'color']) {
      const p = proportions(onProm, f);
      proportions(onVm, f).forEach((v, i) => expect(v, `${f}[${i}]`).toBeCloseTo(p[i], 6));
    }
    const a = computeDrift(baseline, onProm, DRIFT);
    const b = computeDrift(baseline, onVm, DRIFT);
    for (const r of a.features.filter((f) => f.kind === 'input')) {
      const other = b.features.find((f) => f.feature === r.feature && f.kind === r.kind)!;
      expect(other.verdict, r.feature).toBe(r.verdict);
      expect(other.score!, r.feature).toBeCloseTo(r.score!, 6);
    }
    expect(a.features.find((f) => f.feature === 'x' && f.kind === 'input')!.verdict).toBe('drift');
  });

  it('gives the same drift results from the recording rules evaluated by vmalert as Prometheus from its rules', async () => {
    const baseline = createProfile('m');
    const [onProm, onVm] = await Promise.all([
      windowOf(new PrometheusWindowSource(prom.url, 10_000, {}, { windowsFrom: 'recorded' }), baseline, '30s'),
      windowOf(new PrometheusWindowSource(vm.url, 10_000, {}, { windowsFrom: 'recorded' }), baseline, '30s'),
    ]);
    const a = computeDrift(baseline, onProm, DRIFT);
    const b = computeDrift(baseline, onVm, DRIFT);
    for (const r of a.features.filter((f) => f.kind === 'input')) {
      const other = b.features.find((f) => f.feature === r.feature && f.kind === r.kind)!;
      expect(other.verdict, r.feature).toBe(r.verdict);
      expect(other.score!, r.feature).toBeCloseTo(r.score!, 6);
    }
    // The recorded series exist on VictoriaMetrics only because vmalert wrote them back.
    const q = await fetch(`${vm.url}/api/v1/query?${new URLSearchParams({ query: 'count(model_feature_le:modelwatch_input_feature_value_bucket:increase1m{model="m"})' })}`);
    expect(((await q.json()) as { data: { result: { value: [number, string] }[] } }).data.result[0].value[1]).toBe('4');
  });

  it('splits a query refused with HTTP 422 (series limit) and still gets every feature', async () => {
    const baseline = wideProfile();
    const direct = await fetch(`${limited.url}/api/v1/query?${new URLSearchParams({ query: 'sum by (feature, le) (increase(modelwatch_input_feature_value_bucket{model="wide"}[30s]))' })}`);
    expect(direct.status).toBe(422);
    const outcomes: string[] = [];
    const source = new PrometheusWindowSource(limited.url, 10_000, {}, { observe: (o) => outcomes.push(o) });
    const w = await windowOf(source, baseline, '30s');
    expect(outcomes).toContain('too_large');
    expect(outcomes).toContain('split');
    FEATURES.forEach((f, i) => {
      const c = w.features.find((x) => x.name === f)!.counts;
      expect(c[3] / c[0], f).toBeCloseTo(i + 1, 6);
    });
  });

  it('needs no split when features are queried in groups under the limit', async () => {
    const outcomes: string[] = [];
    const source = new PrometheusWindowSource(limited.url, 10_000, {}, { featuresPerQuery: 2, observe: (o) => outcomes.push(o) });
    const w = await windowOf(source, wideProfile(), '30s');
    expect(outcomes).not.toContain('too_large');
    expect(w.features).toHaveLength(4);
  });
});

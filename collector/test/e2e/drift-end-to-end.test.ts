import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { createProfile, createPushedWindow } from '../helpers/factories.js';
import { call } from '../helpers/http.js';
import { waitFor } from '../helpers/ports.js';
import { FakeReplica, histogramSeries, startPrometheus, type TestPrometheus } from '../helpers/prometheus.js';

const TOKEN = 'e2e-token';
const dir = mkdtempSync(join(tmpdir(), 'mw-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function metricsText(c: RunningCollector): Promise<string> {
  return (await call(`${c.url}/metrics`)).body as string;
}

/** The value of the one series whose line starts with `prefix` (name and labels in order), or undefined. */
function seriesValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('pushed windows end to end', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector({ port: 0, db: join(dir, 'push.db'), token: TOKEN, windows: ['15m', '1h'], evaluateEvery: '1h' });
  });
  afterAll(async () => c?.close());

  it('detects drift from a pushed window and exports it on /metrics, the drift API and the history', async () => {
    expect((await call(`${c.url}/api/v1/models/shop/baselines`, { body: createProfile('shop'), token: TOKEN })).status).toBe(201);
    // Baseline: x uniform over four bins, colours 50/40/10. Live: everything in the top bin, all "other".
    const drifted = createPushedWindow({
      model: 'shop',
      features: [
        { name: 'x', type: 'numeric', counts: [0, 0, 0, 400], missing: 0 },
        { name: 'color', type: 'categorical', counts: [0, 0, 400], missing: 0 },
      ],
    });
    expect((await call(`${c.url}/api/v1/models/shop/windows`, { body: drifted, token: TOKEN })).body.status).toBe('accepted');
    // A retried push is not counted twice: the window still has 400 samples, not 800.
    expect((await call(`${c.url}/api/v1/models/shop/windows`, { body: drifted, token: TOKEN })).body.status).toBe('duplicate');
    await c.evaluate();

    const text = await metricsText(c);
    for (const feature of ['x', 'color']) {
      expect(seriesValue(text, 'modelwatch_drift_detected', { model: 'shop', feature, kind: 'input', window: '15m' })).toBe(1);
      expect(seriesValue(text, 'modelwatch_drift_window_samples', { model: 'shop', feature, kind: 'input', window: '15m' })).toBe(400);
      // Small windows use a test (KS, chi-square): the score is its p-value, lower is drift.
      expect(seriesValue(text, 'modelwatch_drift_p_value', { model: 'shop', feature, kind: 'input', window: '15m' })).toBeLessThan(1e-6);
      expect(seriesValue(text, 'modelwatch_drift_score', { model: 'shop', feature, kind: 'input', window: '15m' })).toBeLessThan(1e-6);
      expect(seriesValue(text, 'modelwatch_drift_threshold', { model: 'shop', feature, kind: 'input', window: '15m' })).toBe(0.05);
    }
    expect(seriesValue(text, 'modelwatch_drift_dataset_detected', { model: 'shop', window: '1h' })).toBe(1);
    expect(seriesValue(text, 'modelwatch_drift_drifted_features_ratio', { model: 'shop', window: '15m' })).toBe(1);
    expect(seriesValue(text, 'modelwatch_baseline_info', { model: 'shop', baseline_version: '1' })).toBe(1);
    expect(seriesValue(text, 'modelwatch_baseline_rows', { model: 'shop', baseline_version: '1' })).toBe(1000);
    expect(seriesValue(text, 'modelwatch_drift_evaluations_total', { model: 'shop', source: 'push' })).toBe(2);

    const drift = await call(`${c.url}/api/v1/models/shop/drift`);
    expect(drift.body.reports.map((r: { report: { window: string; datasetDrift: boolean } }) => [r.report.window, r.report.datasetDrift])).toEqual([
      ['15m', true],
      ['1h', true],
    ]);
    const history = await call(`${c.url}/api/v1/models/shop/drift/history?window=15m`);
    expect(history.body.history).toHaveLength(1);
    expect(history.body.history[0].report.baselineVersion).toBe('1');
  });

  it('says a window is too small for a verdict instead of exporting a 0', async () => {
    await call(`${c.url}/api/v1/models/quiet/baselines`, { body: createProfile('quiet'), token: TOKEN });
    await c.evaluate();
    const text = await metricsText(c);
    expect(seriesValue(text, 'modelwatch_drift_window_samples', { model: 'quiet', feature: 'x', kind: 'input', window: '15m' })).toBe(0);
    expect(seriesValue(text, 'modelwatch_drift_detected', { model: 'quiet', feature: 'x', kind: 'input' })).toBeUndefined();
    const drift = await call(`${c.url}/api/v1/models/quiet/drift`);
    expect(drift.body.reports[0].report.features[0].verdict).toBe('insufficient_data');
  });

  it('drops the series of a feature the newly activated baseline no longer has', async () => {
    const before = await metricsText(c);
    expect(seriesValue(before, 'modelwatch_drift_score', { model: 'shop', feature: 'color' })).toBeDefined();
    const withoutColor = createProfile('shop');
    withoutColor.features = withoutColor.features.filter((f) => f.name !== 'color');
    expect((await call(`${c.url}/api/v1/models/shop/baselines`, { body: withoutColor, token: TOKEN })).body.version).toBe('2');
    await c.evaluate();
    const after = await metricsText(c);
    expect(after).not.toMatch(/modelwatch_drift_[a-z_]+\{[^}]*model="shop"[^}]*feature="color"/);
    expect(seriesValue(after, 'modelwatch_baseline_info', { model: 'shop', baseline_version: '1' })).toBeUndefined();
    expect(seriesValue(after, 'modelwatch_baseline_info', { model: 'shop', baseline_version: '2' })).toBe(1);
  });

  it('serves the latest stored reports after a restart on the same database', async () => {
    const before = (await call(`${c.url}/api/v1/models/quiet/drift`)).body.reports;
    expect(before).toHaveLength(2);
    await c.close();
    c = await startCollector({ port: 0, db: join(dir, 'push.db'), token: TOKEN, windows: ['15m', '1h'], evaluateEvery: '1h' });
    // No round has run in the new process (interval 1h): these come from the stored history.
    expect((await call(`${c.url}/api/v1/models/quiet/drift`)).body.reports).toEqual(before);
    expect(seriesValue(await metricsText(c), 'modelwatch_baseline_info', { model: 'quiet', baseline_version: '1' })).toBe(1);
  });

  it('exposes metrics that promtool accepts', async () => {
    const result = spawnSync('promtool', ['check', 'metrics'], { input: await metricsText(c), encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('pushes that do not fit the baseline', () => {
  it('leaves a push with other bins out, counts it, and still evaluates the fitting pushes', async () => {
    const c = await startCollector({ port: 0, db: ':memory:', windows: ['15m'], evaluateEvery: '1h' });
    try {
      await call(`${c.url}/api/v1/models/fleet/baselines`, { body: createProfile('fleet') });
      const good = createPushedWindow({ model: 'fleet', source: 'edge-ok', features: [{ name: 'x', type: 'numeric', counts: [0, 0, 0, 300], missing: 0 }] });
      const bad = createPushedWindow({ model: 'fleet', source: 'edge-bad', features: [{ name: 'x', type: 'numeric', counts: [1, 2, 3, 4, 5, 6], missing: 0 }] });
      await call(`${c.url}/api/v1/models/fleet/windows`, { body: good });
      await call(`${c.url}/api/v1/models/fleet/windows`, { body: bad });
      await c.evaluate();
      const [latest] = (await call(`${c.url}/api/v1/models/fleet/drift`)).body.reports;
      expect(latest.report.features[0]).toMatchObject({ feature: 'x', windowSamples: 300, verdict: 'drift' });
      const text = await metricsText(c);
      expect(seriesValue(text, 'modelwatch_drift_evaluation_errors_total', { model: 'fleet', reason: 'shape_mismatch' })).toBe(1);
    } finally {
      await c.close();
    }
  });
});

describe('drift history retention', () => {
  it('keeps only the newest reports per model and window', async () => {
    const c = await startCollector({ port: 0, db: ':memory:', windows: ['15m'], evaluateEvery: '1h', historyKeep: 2 });
    try {
      await call(`${c.url}/api/v1/models/kept/baselines`, { body: createProfile('kept') });
      for (let i = 0; i < 4; i++) await c.evaluate();
      expect((await call(`${c.url}/api/v1/models/kept/drift/history`)).body.history).toHaveLength(2);
    } finally {
      await c.close();
    }
  });
});

describe('drift options', () => {
  it('passes the configured drift options to the drift engine', async () => {
    const c = await startCollector({ port: 0, db: ':memory:', windows: ['15m'], evaluateEvery: '1h', drift: { minSamples: 10_000 } });
    try {
      await call(`${c.url}/api/v1/models/strict/baselines`, { body: createProfile('strict') });
      const w = createPushedWindow({ model: 'strict', features: [{ name: 'x', type: 'numeric', counts: [0, 0, 0, 400], missing: 0 }] });
      await call(`${c.url}/api/v1/models/strict/windows`, { body: w });
      await c.evaluate();
      const [latest] = (await call(`${c.url}/api/v1/models/strict/drift`)).body.reports;
      expect(latest.report.features[0]).toMatchObject({ feature: 'x', windowSamples: 400, verdict: 'insufficient_data' });
    } finally {
      await c.close();
    }
  });
});

describe('Prometheus windows end to end', () => {
  const ID = 'model_version="1",pipeline="p",stage="s",variant="primary"';
  const CANARY = 'model_version="2",pipeline="p",stage="s",variant="canary"';
  const types = ['# TYPE modelwatch_input_feature_value histogram', '# TYPE modelwatch_input_category_total counter'];
  // Live traffic far from the uniform baseline; "skewed" is binned on other edges than its baseline.
  const series = () =>
    new Map([
      ...histogramSeries('modelwatch_input_feature_value', `model="live",${ID},feature="x"`, [0.5, 1.5, 2.5], [0, 0, 1, 20]),
      [`modelwatch_input_category_total{model="live",${ID},feature="color",category="red"}`, 20],
      ...histogramSeries('modelwatch_input_feature_value', `model="skewed",${ID},feature="x"`, [1, 2], [5, 5, 5]),
      // A rollout: the primary sees the training distribution, its canary a shifted one.
      ...histogramSeries('modelwatch_input_feature_value', `model="rollout",${ID},feature="x"`, [0.5, 1.5, 2.5], [25, 25, 25, 25]),
      [`modelwatch_input_category_total{model="rollout",${ID},feature="color",category="red"}`, 50],
      [`modelwatch_input_category_total{model="rollout",${ID},feature="color",category="blue"}`, 40],
      [`modelwatch_input_category_total{model="rollout",${ID},feature="color",category="green"}`, 10],
      ...histogramSeries('modelwatch_input_feature_value', `model="rollout",${CANARY},feature="x"`, [0.5, 1.5, 2.5], [0, 0, 1, 20]),
      [`modelwatch_input_category_total{model="rollout",${CANARY},feature="color",category="red"}`, 20],
    ]);
  const replicas = [new FakeReplica(types, series()), new FakeReplica(types, series())];
  let prom: TestPrometheus;
  let c: RunningCollector;

  beforeAll(async () => {
    for (const r of replicas) await r.start();
    prom = await startPrometheus(replicas.map((r) => r.port));
    c = await startCollector({ port: 0, db: join(dir, 'prom.db'), prometheusUrl: prom.url, windows: ['1m'], evaluateEvery: '1s' });
  });
  afterAll(async () => {
    await c?.close();
    await prom?.stop();
    for (const r of replicas) await r.stop();
  });

  it('detects drift from scraped replicas and counts a bucket mismatch as an evaluation error', async () => {
    await call(`${c.url}/api/v1/models/live/baselines`, { body: createProfile('live') });
    await call(`${c.url}/api/v1/models/skewed/baselines`, { body: createProfile('skewed') });
    const text = await waitFor('drift detected from Prometheus windows', async () => {
      const t = await metricsText(c);
      const x = seriesValue(t, 'modelwatch_drift_detected', { model: 'live', feature: 'x', kind: 'input', window: '1m' });
      // Models are evaluated one after the other: wait until the round has reached both.
      const mismatches = seriesValue(t, 'modelwatch_drift_evaluation_errors_total', { model: 'skewed', reason: 'bucket_mismatch' });
      return x === 1 && mismatches !== undefined ? t : undefined;
    }, 45_000);
    expect(seriesValue(text, 'modelwatch_drift_dataset_detected', { model: 'live', window: '1m' })).toBe(1);
    expect(seriesValue(text, 'modelwatch_drift_evaluations_total', { model: 'live', source: 'prometheus' })).toBeGreaterThan(0);
    expect(seriesValue(text, 'modelwatch_drift_evaluation_errors_total', { model: 'skewed', reason: 'bucket_mismatch' })).toBeGreaterThan(0);
    expect(seriesValue(text, 'modelwatch_drift_score', { model: 'skewed' })).toBeUndefined();
    expect(seriesValue(text, 'modelwatch_drift_last_evaluation_timestamp_seconds', { model: 'live', window: '1m' })).toBeGreaterThan(0);
  });

  it('judges each variant of a model on its own traffic: a drifted canary shows as the canary', async () => {
    await call(`${c.url}/api/v1/models/rollout/baselines`, { body: createProfile('rollout') });
    const text = await waitFor('per-variant drift from Prometheus windows', async () => {
      const t = await metricsText(c);
      const canary = seriesValue(t, 'modelwatch_drift_dataset_detected', { model: 'rollout', window: '1m', variant: 'canary' });
      const primary = seriesValue(t, 'modelwatch_drift_dataset_detected', { model: 'rollout', window: '1m', variant: 'primary' });
      return canary !== undefined && primary !== undefined ? t : undefined;
    }, 45_000);
    expect(seriesValue(text, 'modelwatch_drift_dataset_detected', { model: 'rollout', window: '1m', variant: 'canary' })).toBe(1);
    expect(seriesValue(text, 'modelwatch_drift_dataset_detected', { model: 'rollout', window: '1m', variant: 'primary' })).toBe(0);
    expect(seriesValue(text, 'modelwatch_drift_detected', { model: 'rollout', feature: 'x', kind: 'input', variant: 'canary' })).toBe(1);
    expect(seriesValue(text, 'modelwatch_drift_detected', { model: 'rollout', feature: 'x', kind: 'input', variant: 'primary' })).toBe(0);
    const res = await fetch(`${c.url}/api/v1/models/rollout/drift?variant=canary`);
    const body = (await res.json()) as { variant: string; reports: { report: { variant: string; datasetDrift: boolean } }[] };
    expect(body.variant).toBe('canary');
    expect(body.reports[0].report).toMatchObject({ variant: 'canary', datasetDrift: true });
    const bad = await fetch(`${c.url}/api/v1/models/rollout/drift?variant=${encodeURIComponent('a b')}`);
    expect(bad.status).toBe(400);
  });
});

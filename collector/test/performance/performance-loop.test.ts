import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newPredictionId, type PredictionRecord } from '@modelwatch/core';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { createProfile } from '../helpers/factories.js';
import { call } from '../helpers/http.js';

/**
 * Realized performance and concept drift through a real collector (SQLite file): records and
 * labels in over HTTP, figures out on /metrics, the JSON API and the history; detector state
 * survives a restart of the collector on the same file.
 */
const TOKEN = 'admin-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mw-perf-'));
const running: RunningCollector[] = [];
afterAll(async () => {
  await Promise.all(running.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function collector(db: string): Promise<RunningCollector> {
  const c = await startCollector({ port: 0, db: join(dir, db), token: TOKEN, evaluateEvery: '1h', windows: ['1h', '1d'] });
  running.push(c);
  return c;
}

function records(model: string, n: number, variant: string, startMs: number, prediction: (i: number) => string): PredictionRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: newPredictionId(startMs + i * 10),
    time: new Date(startMs + i * 10).toISOString(),
    model,
    version: '1',
    variant,
    stage: 's',
    prediction: prediction(i),
    confidence: 0.8,
  }));
}

async function post(c: RunningCollector, path: string, body: unknown) {
  const res = await call(`${c.url}/api/v1${path}`, { body, token: TOKEN });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
}

function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : undefined;
}

describe('realized performance in the collector', () => {
  it('exports accuracy, coverage, delay and event rates per variant, against the baseline reference', async () => {
    const c = await collector('perf.db');
    const profile = createProfile('perf-m');
    profile.outputs = [{ name: 'weather', output: 'weather', role: 'prediction', type: 'categorical', count: 10, missing: 0, categories: [{ value: 'sun', count: 5 }, { value: 'rain', count: 5 }], otherCount: 0 }] as never;
    profile.chunks = [];
    profile.performance = { label: 'truth', prediction: 'weather', result: { task: 'classification', n: 100, accuracy: 0.9, macroF1: 0.88, classes: [] } };
    await post(c, '/models/perf-m/baselines', profile);
    const t0 = Date.now() - 60_000;
    const primary = records('perf-m', 40, 'primary', t0, () => 'sun');
    const canary = records('perf-m', 10, 'canary', t0, () => 'rain');
    await post(c, '/models/perf-m/predictions', { records: [...primary, ...canary] });
    // Primary: 30 of 40 labelled, 24 right (sun), 6 wrong; labels 30 s after the answer. Canary: 10 of 10, all right.
    const labelAt = (r: PredictionRecord) => new Date(Date.parse(r.time) + 30_000).toISOString();
    await post(c, '/models/perf-m/feedback', {
      items: [
        ...primary.slice(0, 30).map((r, i) => ({ predictionId: r.id, label: i < 24 ? 'sun' : 'rain', time: labelAt(r) })),
        ...canary.map((r) => ({ predictionId: r.id, label: 'rain', time: labelAt(r) })),
        ...primary.slice(0, 4).map((r) => ({ predictionId: r.id, event: 'redo' })),
      ],
    });
    await c.evaluate();
    const text = await (await fetch(`${c.url}/metrics`)).text();
    const p = { model: 'perf-m', variant: 'primary', window: '1h' };
    expect(metric(text, 'modelwatch_performance_realized', { ...p, metric: 'accuracy' })).toBeCloseTo(0.8, 12);
    expect(metric(text, 'modelwatch_performance_realized', { model: 'perf-m', variant: 'canary', window: '1h', metric: 'accuracy' })).toBe(1);
    expect(metric(text, 'modelwatch_label_coverage_ratio', p)).toBeCloseTo(0.75, 12);
    // Delays are bucketed (…, 30 s, 60 s, …): every label took 30 s, the median lies in [30, 60).
    expect(metric(text, 'modelwatch_label_delay_seconds', p)).toBeGreaterThanOrEqual(30);
    expect(metric(text, 'modelwatch_label_delay_seconds', p)).toBeLessThan(60);
    expect(metric(text, 'modelwatch_feedback_event_rate_ratio', { ...p, event: 'redo' })).toBeCloseTo(0.1, 12);
    expect(metric(text, 'modelwatch_feedback_event_rate_ratio', { ...p, event: 'click' })).toBe(0);
    expect(metric(text, 'modelwatch_performance_class_precision_ratio', { ...p, class: 'sun' })).toBeCloseTo(0.8, 12);
    expect(metric(text, 'modelwatch_performance_reference', { model: 'perf-m', metric: 'accuracy' })).toBe(0.9);
    expect(metric(text, 'modelwatch_performance_labelled_predictions', p)).toBe(30);

    const latest = await call(`${c.url}/api/v1/models/perf-m/performance`);
    expect(latest.body.reports.map((r: { window: string }) => r.window)).toEqual(['1h', '1d']);
    expect(latest.body.reports[0].reference.accuracy).toBe(0.9);
    const history = await call(`${c.url}/api/v1/models/perf-m/performance/history?window=1d`);
    expect(history.body.history).toHaveLength(1);
    expect(history.body.history[0].report.variants.find((v: { variant: string }) => v.variant === 'primary').labelled).toBe(30);
  });

  it('detects a concept drift in label arrival order and resumes its detectors after a restart', async () => {
    let c = await collector('concept.db');
    const t0 = Date.now() - 3_600_000;
    // 600 predictions that are right 90% of the time, then 600 that are right 30% of the time.
    const all = records('cd-m', 1200, 'primary', t0, () => 'sun');
    await post(c, '/models/cd-m/predictions', { records: all });
    const truth = (i: number) => (i < 600 ? (i % 10 === 0 ? 'rain' : 'sun') : i % 10 < 3 ? 'sun' : 'rain');
    await post(c, '/models/cd-m/feedback', { items: all.slice(0, 600).map((r, i) => ({ predictionId: r.id, label: truth(i) })) });
    await c.evaluate();
    let text = await (await fetch(`${c.url}/metrics`)).text();
    for (const d of ['ddm', 'adwin', 'page_hinkley']) {
      expect(metric(text, 'modelwatch_concept_drift_detections_total', { model: 'cd-m', variant: 'primary', detector: d }), d).toBe(0);
    }
    // Restart on the same file: the detectors continue from label 600, nothing replayed.
    await c.close();
    c = await collector('concept.db');
    await post(c, '/models/cd-m/feedback', { items: all.slice(600).map((r, i) => ({ predictionId: r.id, label: truth(600 + i) })) });
    await c.evaluate();
    text = await (await fetch(`${c.url}/metrics`)).text();
    for (const d of ['ddm', 'adwin', 'page_hinkley']) {
      expect(metric(text, 'modelwatch_concept_drift_detections_total', { model: 'cd-m', variant: 'primary', detector: d }), d).toBeGreaterThanOrEqual(1);
    }
    expect(metric(text, 'modelwatch_concept_drift_labels_total', { model: 'cd-m', variant: 'primary' })).toBe(600);
    const state = await call(`${c.url}/api/v1/models/cd-m/concept-drift`);
    const ddm = state.body.detectors.find((d: { detector: string }) => d.detector === 'ddm');
    expect(ddm.detections).toBeGreaterThanOrEqual(1);
    expect(ddm.labelsConsumedUpTo).toBeGreaterThan(0);
    expect(state.body.recentDetections.length).toBeGreaterThanOrEqual(3);
    // A third process sees the detection time restored from the stored state before any new label.
    await c.close();
    c = await collector('concept.db');
    await c.evaluate();
    text = await (await fetch(`${c.url}/metrics`)).text();
    expect(metric(text, 'modelwatch_concept_drift_last_detection_timestamp_seconds', { model: 'cd-m', variant: 'primary', detector: 'ddm' })).toBeGreaterThan(t0 / 1000);
  });
});

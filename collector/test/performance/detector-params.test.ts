import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ADWIN, DDM, PAGE_HINKLEY } from '@modelwatch/core';
import { ConceptMonitor } from '../../src/performance/concept-monitor.js';
import { resolveDetectorParams } from '../../src/performance/detector-params.js';
import { PerformanceMetrics } from '../../src/performance/performance-metrics.js';
import { MemoryPredictionStore } from '../../src/store/memory-prediction-store.js';
import { createRecord, RECORD_T0 } from '../helpers/records.js';

describe('concept-drift detector parameters', () => {
  it("defaults to River's parameters and overrides only what is given", () => {
    expect(resolveDetectorParams()).toEqual({ ddm: DDM.defaults, adwin: ADWIN.defaults, page_hinkley: PAGE_HINKLEY.defaults });
    const p = resolveDetectorParams({ ddm: { warmStart: 100 }, page_hinkley: { threshold: 25, mode: 'up' } });
    expect(p.ddm).toEqual({ ...DDM.defaults, warmStart: 100 });
    expect(p.page_hinkley).toEqual({ ...PAGE_HINKLEY.defaults, threshold: 25, mode: 'up' });
    expect(p.adwin).toEqual(ADWIN.defaults);
  });

  it.each([
    [{ kswin: {} }, 'unknown detector "kswin"'],
    [{ adwin: { delta: 1.5 } }, 'adwin.delta must be a number between 0 and 1'],
    [{ adwin: { clock: 0 } }, 'adwin.clock must be an integer ≥ 1'],
    [{ ddm: { warmup: 3 } }, 'ddm: unknown parameter "warmup"'],
    [{ ddm: { warningThreshold: 4 } }, 'ddm.driftThreshold (3) must be above ddm.warningThreshold (4)'],
    [{ page_hinkley: { alpha: 0 } }, 'page_hinkley.alpha must be a number in (0, 1]'],
    [{ page_hinkley: { mode: 'sideways' } }, 'page_hinkley.mode must be "up", "down" or "both"'],
    [{ page_hinkley: { threshold: Number.NaN } }, 'page_hinkley.threshold must be a number > 0'],
    [[], 'expected an object'],
  ])('refuses %j and says what is valid', (raw, message) => {
    expect(() => resolveDetectorParams(raw)).toThrow(message);
  });

  it('runs the detectors with the configured parameters, and starts a stored detector over when they change', async () => {
    const store = new MemoryPredictionStore();
    // 20% wrong answers for 300 labels, then 60%: DDM with River's defaults detects the change.
    const truth = (i: number) => ((i % 600 < 300 ? i % 5 === 0 : i % 5 < 3) ? 'rain' : 'sun');
    const records = Array.from({ length: 600 }, (_, i) => createRecord('m', i, { prediction: 'sun' }));
    await store.putPredictions('m', records, RECORD_T0);
    const ctx = { nowMs: RECORD_T0 + 86_400_000, retainedFromMs: 0, events: new Set<string>() };
    await store.applyFeedback('m', records.map((r, i) => ({ predictionId: r.id, label: truth(i) })), ctx);
    const metrics = new PerformanceMetrics(new Registry());

    const strict = resolveDetectorParams({ ddm: { warningThreshold: 40, driftThreshold: 50 } });
    const quiet = await new ConceptMonitor(store, metrics, ['ddm'], strict).run('m');
    expect(quiet).toEqual([]);
    const [stored] = await store.detectorStates('m');
    expect((stored.state as { detector: { params: unknown } }).detector.params).toEqual(strict.ddm);

    // Same labels, default parameters: the stored state was made with others, so DDM starts over
    // with River's defaults; it sees no new labels, and the next labels run on the default detector.
    await new ConceptMonitor(store, metrics, ['ddm']).run('m');
    const more = Array.from({ length: 600 }, (_, i) => createRecord('m', 600 + i, { prediction: 'sun' }));
    await store.putPredictions('m', more, RECORD_T0);
    await store.applyFeedback('m', more.map((r, i) => ({ predictionId: r.id, label: truth(i) })), ctx);
    const detected = await new ConceptMonitor(store, metrics, ['ddm']).run('m');
    expect(detected.map((e) => e.detector)).toContain('ddm');
    const [after] = await store.detectorStates('m');
    expect((after.state as { detector: { params: unknown } }).detector.params).toEqual(DDM.defaults);
  });
});

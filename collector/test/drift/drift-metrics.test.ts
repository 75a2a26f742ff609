import type { DriftReport, FeatureDriftResult } from '@modelwatch/core';
import { describe, expect, it } from 'vitest';
import { DriftMetrics } from '../../src/drift/drift-metrics.js';
import { createProfile } from '../helpers/factories.js';

function result(feature: string, overrides: Partial<FeatureDriftResult> = {}): FeatureDriftResult {
  return {
    feature,
    kind: 'input',
    method: 'ks',
    score: 0.01,
    pValue: 0.01,
    threshold: 0.05,
    thresholdSource: 'default',
    direction: 'lower_is_drift',
    verdict: 'drift',
    baselineSamples: 1000,
    windowSamples: 100,
    ...overrides,
  };
}

function report(features: FeatureDriftResult[], window = '15m'): DriftReport {
  return { model: 'm', window, start: '', end: '', features, driftedShare: 1, datasetDrift: true, datasetDriftThreshold: 0.5 };
}

const seriesOf = async (m: DriftMetrics, name: string) => (await m.registry.metrics()).split('\n').filter((l) => l.startsWith(`${name}{`));

describe('DriftMetrics', () => {
  it('removes the series of a feature the next report no longer has', async () => {
    const m = new DriftMetrics(false);
    m.publish(report([result('a'), result('b')]));
    m.publish(report([result('a')]));
    for (const name of ['modelwatch_drift_score', 'modelwatch_drift_threshold', 'modelwatch_drift_detected', 'modelwatch_drift_p_value', 'modelwatch_drift_window_samples']) {
      const lines = await seriesOf(m, name);
      expect(lines, name).toHaveLength(1);
      expect(lines[0]).toContain('feature="a"');
    }
  });

  it('replaces a series whose method changed instead of keeping both', async () => {
    const m = new DriftMetrics(false);
    m.publish(report([result('a', { method: 'ks' })]));
    m.publish(report([result('a', { method: 'wasserstein', pValue: undefined, direction: 'higher_is_drift', score: 0.3 })]));
    expect(await seriesOf(m, 'modelwatch_drift_score')).toEqual([
      'modelwatch_drift_score{model="m",feature="a",kind="input",method="wasserstein",window="15m"} 0.3',
    ]);
    expect(await seriesOf(m, 'modelwatch_drift_p_value')).toEqual([]);
  });

  it('drops the verdict series when the window becomes too small for one', async () => {
    const m = new DriftMetrics(false);
    m.publish(report([result('a')]));
    m.publish(report([result('a', { verdict: 'insufficient_data', score: null, pValue: undefined, windowSamples: 3 })]));
    expect(await seriesOf(m, 'modelwatch_drift_detected')).toEqual([]);
    expect(await seriesOf(m, 'modelwatch_drift_score')).toEqual([]);
    expect(await seriesOf(m, 'modelwatch_drift_window_samples')).toEqual([
      'modelwatch_drift_window_samples{model="m",feature="a",kind="input",window="15m"} 3',
    ]);
  });

  it('drops every series of a model that no longer has an active baseline', async () => {
    const m = new DriftMetrics(false);
    m.setActiveBaselines([{ ...createProfile('m'), version: '1' }]);
    m.publish(report([result('a')]));
    m.setActiveBaselines([]);
    const text = await m.registry.metrics();
    expect(text).not.toMatch(/model="m"/);
  });
});

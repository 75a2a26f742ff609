import { execFileSync } from 'node:child_process';
import { BASELINE_SCHEMA, inputSeriesPerReplica, type BaselineProfile, type FeatureCounter } from '@modelwatch/core';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, SidecarTelemetry } from '@modelwatch/sidecar';

/** A baseline of `numeric` numeric features with 20 bins between min and max, and one categorical feature. */
function baseline(numeric: number): BaselineProfile {
  const edges = Array.from({ length: 21 }, (_, i) => i);
  const profile: BaselineProfile = {
    schema: BASELINE_SCHEMA,
    model: 'm',
    createdAt: '2026-11-01T00:00:00.000Z',
    rows: 100,
    features: [
      ...Array.from({ length: numeric }, (_, i) => ({
        name: `f${i}`, type: 'numeric' as const, count: 100, missing: 0, min: 0, max: 20, mean: 10, std: 5,
        bins: { edges, counts: new Array(22).fill(1) },
      })),
      { name: 'color', type: 'categorical' as const, count: 100, missing: 0, categories: [{ value: 'red', count: 60 }, { value: 'blue', count: 40 }], otherCount: 0 },
    ],
    outputs: [],
    chunks: [],
  };
  return profile;
}

async function inputSeries(counters?: FeatureCounter[]): Promise<string[]> {
  const t = new SidecarTelemetry({
    identity: { model: 'm', modelVersion: '1', pipeline: 'p', stage: 's', variant: 'primary' },
    mode: 'json',
    upstreamStages: [],
    maxMonitoredFeatures: 100,
    featureCounters: counters,
    lowConfidenceThreshold: 0.5,
    defaultMetrics: false,
  });
  t.setBaseline(baseline(3), [], {});
  const text = await t.metrics();
  return text.split('\n').filter((l) => l.startsWith('modelwatch_input_') && !/rows_total|batch_rows|ignored_features/.test(l));
}

describe('series budget per replica', () => {
  it('exposes exactly the per-feature series the budget formula counts, for the defaults', async () => {
    const lines = await inputSeries();
    const budget = inputSeriesPerReplica({ numericFeatures: 3, categoricalFeatures: 1, binsPerNumeric: 20, categoriesPerCategorical: 2, counters: ['sum_count', 'invalid', 'out_of_range'] });
    expect(budget.perNumeric).toBe(29);
    expect(lines).toHaveLength(budget.total);
  });

  it('leaves out the counters not chosen but keeps every bin bucket drift needs', async () => {
    const lines = await inputSeries([]);
    expect(lines.filter((l) => l.includes('_bucket{'))).toHaveLength(3 * 22);
    expect(lines.some((l) => /_sum\{|_count\{|invalid_values|out_of_range/.test(l))).toBe(false);
    const budget = inputSeriesPerReplica({ numericFeatures: 3, categoricalFeatures: 1, binsPerNumeric: 20, categoriesPerCategorical: 2, counters: [] });
    expect(lines).toHaveLength(budget.total);
    const invalidOnly = await inputSeries(['invalid']);
    expect(invalidOnly.filter((l) => l.startsWith('modelwatch_input_invalid_values_total'))).toHaveLength(4 * 3);
    expect(invalidOnly.some((l) => /_sum\{|out_of_range/.test(l))).toBe(false);
  });

  it('still passes promtool check metrics with a reduced budget', async () => {
    const t = new SidecarTelemetry({
      identity: { model: 'm', modelVersion: '1', pipeline: 'p', stage: 's', variant: 'primary' },
      mode: 'json', upstreamStages: [], maxMonitoredFeatures: 100, featureCounters: ['invalid'], lowConfidenceThreshold: 0.5, defaultMetrics: false,
    });
    t.setBaseline(baseline(2), [], {});
    const out = execFileSync('promtool', ['check', 'metrics'], { input: await t.metrics(), encoding: 'utf8' });
    expect(out).not.toMatch(/error/i);
  });

  it('takes the counters from config and refuses an unknown one with a coded error', () => {
    expect(resolveConfig({ upstream: 'http://x', limits: { featureCounters: 'invalid,sum_count' as never } }).limits.featureCounters).toEqual(['invalid', 'sum_count']);
    expect(resolveConfig({ upstream: 'http://x', limits: { featureCounters: [] } }).limits.featureCounters).toEqual([]);
    let err: unknown;
    try {
      resolveConfig({ upstream: 'http://x', limits: { featureCounters: ['quantiles'] as never } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/limits\.featureCounters: got "quantiles", expected some of sum_count, invalid, out_of_range/);
  });
});

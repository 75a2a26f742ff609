import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AutomationMetrics } from '../../src/review/automation-metrics.js';
import { MemoryPredictionStore } from '../../src/store/memory-prediction-store.js';
import { createRecord, RECORD_T0 } from '../helpers/records.js';

describe('automation gauges', () => {
  it('export the automation report per fixed threshold for the dashboard panel', async () => {
    const store = new MemoryPredictionStore();
    const records = [0.97, 0.92, 0.55, 0.3].map((confidence, i) => createRecord('m', i, { prediction: 'sun', confidence }));
    await store.putPredictions('m', records, RECORD_T0);
    await store.applyFeedback(
      'm',
      records.map((r, i) => ({ predictionId: r.id, label: i === 1 ? 'rain' : 'sun' })),
      { nowMs: RECORD_T0 + 1000, retainedFromMs: 0, events: new Set() },
    );
    const registry = new Registry();
    const gauges = new AutomationMetrics(registry, store);
    await gauges.refresh(RECORD_T0 + 60_000, true);
    const text = await registry.metrics();
    const value = (name: string, threshold: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`threshold="${threshold}"`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    // >= 0.9: 2 of 4 automated, 1 of them right; >= 0.5: 3 of 4, 2 right; >= 0.99: none, so no accuracy.
    expect(value('modelwatch_automation_share_ratio', '0.9')).toBe(0.5);
    expect(value('modelwatch_automation_accuracy_ratio', '0.9')).toBe(0.5);
    expect(value('modelwatch_automation_share_ratio', '0.5')).toBe(0.75);
    expect(value('modelwatch_automation_accuracy_ratio', '0.5')).toBeCloseTo(2 / 3, 12);
    expect(value('modelwatch_automation_share_ratio', '0.99')).toBe(0);
    expect(value('modelwatch_automation_accuracy_ratio', '0.99')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { OTHER_CATEGORY, ProfileBuilder, type BaselineProfile, type NumericFeatureProfile } from '@modelwatch/core';
import { SidecarTelemetry } from '../../src/metrics/telemetry.js';
import { parseExposition, snapshotFromExposition } from '../../src/push/exposition-snapshot.js';
import { snapshotDelta } from '../../src/push/snapshot.js';
import type { Column, InputBatch, OutputBatch } from '../../src/protocols/types.js';

/** A baseline with a numeric and a categorical feature and a categorical prediction. */
function createBaseline(): BaselineProfile {
  const b = new ProfileBuilder({ model: 'weather', bins: 5, outputs: [{ name: 'label', role: 'prediction' }] });
  const kinds = ['rain', 'sun', 'fog'];
  for (let i = 0; i < 300; i++) b.add({ wind: (i % 50) / 5, sky: kinds[i % 3], label: kinds[(i + 1) % 3] });
  return { ...b.finish(), version: 'v7' };
}

function createTelemetry(profile: BaselineProfile) {
  const t = new SidecarTelemetry({
    identity: { model: 'weather', modelVersion: '3', pipeline: 'forecast', stage: 'classify', variant: 'primary' },
    mode: 'embedded', upstreamStages: [], maxMonitoredFeatures: 50, lowConfidenceThreshold: 0.5, defaultMetrics: false,
  });
  t.setBaseline(profile, [], {});
  return t;
}

/** Expected per-bin counts under the baseline's convention: bin i is (edges[i-1], edges[i]]. */
function expectedBins(values: number[], edges: number[]): number[] {
  const counts = new Array(edges.length + 1).fill(0);
  for (const v of values) {
    let i = 0;
    while (i < edges.length && v > edges[i]) i++;
    counts[i]++;
  }
  return counts;
}

function batch(wind: number[], sky: string[]): InputBatch {
  return { rows: wind.length, columns: new Map<string, Column>([['wind', Float64Array.from(wind)], ['sky', sky]]) };
}

function outputs(labels: string[]): OutputBatch {
  return { rows: labels.length, outputs: new Map([['label', { kind: 'values' as const, values: labels }]]) };
}

describe('snapshotFromExposition', () => {
  it('reads the real telemetry /metrics text back into counts over the baseline bins and tables', async () => {
    const profile = createBaseline();
    const t = createTelemetry(profile);
    const wind = [0, 0.4, 3.3, 9.8, 25, -1, Number.NaN];
    t.observeInputs(batch(wind, ['rain', 'hail', 'sun', 'rain', 'fog', 'sun', 'rain']));
    t.observeOutputs(outputs(['sun', 'sun', 'snow']));

    const snap = snapshotFromExposition(await t.metrics(), profile, 'pid-1');
    const edges = (profile.features.find((f) => f.name === 'wind') as NumericFeatureProfile).bins.edges;
    expect(snap).toMatchObject({ epoch: 'pid-1:v7', baselineVersion: 'v7', modelVersion: '3', rows: 7 });
    const windCounts = snap.features.find((f) => f.name === 'wind')!;
    expect(windCounts.counts).toEqual(expectedBins(wind.filter((v) => !Number.isNaN(v)), edges));
    expect(windCounts.missing).toBe(1);

    const sky = snap.features.find((f) => f.name === 'sky')!;
    const skyTable = profile.features.find((f) => f.name === 'sky')!;
    expect(skyTable.type).toBe('categorical');
    const order = skyTable.type === 'categorical' ? [...skyTable.categories.map((c) => c.value), OTHER_CATEGORY] : [];
    const seen: Record<string, number> = { rain: 3, sun: 2, fog: 1, [OTHER_CATEGORY]: 1 };
    expect(sky.counts).toEqual(order.map((c) => seen[c] ?? 0));

    const label = snap.outputs.find((o) => o.output === 'label')!;
    expect(label.role).toBe('prediction');
    const labelProfile = profile.outputs.find((o) => o.output === 'label')!;
    const classes = labelProfile.type === 'categorical' ? [...labelProfile.categories.map((c) => c.value), OTHER_CATEGORY] : [];
    const predicted: Record<string, number> = { sun: 2, [OTHER_CATEGORY]: 1 };
    expect(label.counts).toEqual(classes.map((c) => predicted[c] ?? 0));
  });

  it('gives the counts of the second batch alone as the delta between two snapshots', async () => {
    const profile = createBaseline();
    const t = createTelemetry(profile);
    t.observeInputs(batch([1, 2, 3], ['rain', 'rain', 'rain']));
    const first = snapshotFromExposition(await t.metrics(), profile, 'p');
    t.observeInputs(batch([9.9, 9.9], ['fog', 'sun']));
    const second = snapshotFromExposition(await t.metrics(), profile, 'p');
    const delta = snapshotDelta(first, second);
    const edges = (profile.features.find((f) => f.name === 'wind') as NumericFeatureProfile).bins.edges;
    expect(delta.rows).toBe(2);
    expect(delta.features.find((f) => f.name === 'wind')!.counts).toEqual(expectedBins([9.9, 9.9], edges));
    expect(delta.features.find((f) => f.name === 'sky')!.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('parses escaped label values and +Inf buckets', () => {
    const text = [
      '# HELP modelwatch_input_category_total x',
      'modelwatch_input_category_total{model="m",feature="a\\"b",category="x\\\\y\\nz"} 4',
      'modelwatch_input_feature_value_bucket{model="m",feature="f",le="+Inf"} 9',
      'modelwatch_requests_total{model="m"} 1',
    ].join('\n');
    const parsed = parseExposition(text);
    const cat = parsed.get('modelwatch_input_category_total')![0];
    expect([cat.labels.get('feature'), cat.labels.get('category'), cat.value]).toEqual(['a"b', 'x\\y\nz', 4]);
    expect(parsed.get('modelwatch_input_feature_value_bucket')![0].labels.get('le')).toBe('+Inf');
    expect(parsed.has('modelwatch_requests_total')).toBe(false);
  });
});

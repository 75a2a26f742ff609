import { BASELINE_SCHEMA, type BaselineProfile } from '@modelwatch/core';
import { describe, expect, it } from 'vitest';
import { SidecarTelemetry } from '../../src/metrics/telemetry.js';
import { oipInputBatch, type OipTensor } from '../../src/protocols/oip.js';
import type { InputBatch } from '../../src/protocols/types.js';

/**
 * A numeric [N,F] tensor is monitored in place (InputBatch.matrix) instead of one column array per
 * feature: every metric must read exactly what the columns of the same tensor give, whatever the
 * feature table holds (declared features missing from the tensor, names without a slot that contest
 * one, a categorical feature, a baseline replacing the table).
 */
function telemetry(maxFeatures = 100): SidecarTelemetry {
  return new SidecarTelemetry({
    identity: { model: 'm', modelVersion: '1', pipeline: 'p', stage: 's', variant: 'primary' },
    mode: 'embedded',
    upstreamStages: [],
    maxMonitoredFeatures: maxFeatures,
    lowConfidenceThreshold: 0.5,
    defaultMetrics: false,
  });
}

function baseline(features: BaselineProfile['features']): BaselineProfile {
  return { schema: BASELINE_SCHEMA, model: 'm', createdAt: '2026-11-01T00:00:00.000Z', rows: 10, features, outputs: [], chunks: [] };
}

const numeric = (name: string, min: number, max: number): BaselineProfile['features'][number] => ({
  name, type: 'numeric', count: 10, missing: 0, min, max, mean: (min + max) / 2, std: 1, bins: { edges: [min, (min + max) / 2, max], counts: [0, 5, 5, 0] },
});

/** The same batch without its matrix: what the monitor read before (one column per feature). */
function columnsOnly(batch: InputBatch): InputBatch {
  return { rows: batch.rows, columns: new Map(batch.columns) };
}

async function inputLines(t: SidecarTelemetry): Promise<string[]> {
  return (await t.metrics()).split('\n').filter((l) => l.startsWith('modelwatch_input_'));
}

function tensor(rows: number[][], datatype: 'FP32' | 'FP64' | 'INT32' = 'FP32'): OipTensor {
  const flat = rows.flat();
  const data = datatype === 'FP32' ? Float32Array.from(flat) : datatype === 'FP64' ? Float64Array.from(flat) : Int32Array.from(flat);
  return { name: 'x', shape: [rows.length, rows[0].length], datatype, data };
}

describe('input monitor: numeric tensors read in place', () => {
  it('keeps the tensor as a matrix and still gives its columns on demand', () => {
    const batch = oipInputBatch([tensor([[1, 2, 3], [4, 5, 6]])], { featureNames: ['a', 'b', 'c'] });
    expect(batch.matrix).toBeDefined();
    expect(batch.rows).toBe(2);
    expect([...batch.columns].map(([k, v]) => [k, [...v]])).toEqual([['a', [1, 4]], ['b', [2, 5]], ['c', [3, 6]]]);
    // Unnamed (or wrongly named) columns keep their positional names, one array for every batch of that layout.
    const unnamed = oipInputBatch([tensor([[1, 2]])], { featureNames: ['only-one'] });
    expect([...unnamed.columns.keys()]).toEqual(['x[0]', 'x[1]']);
    expect(oipInputBatch([tensor([[3, 4]])]).matrix!.names).toBe(unnamed.matrix!.names);
    // Repeated names are one column (the last): that stays the general path.
    expect(oipInputBatch([tensor([[1, 2]])], { featureNames: ['a', 'a'] }).matrix).toBeUndefined();
  });

  it('counts exactly what the columns of the same tensors count, through table changes', async () => {
    for (const slots of [6, 4]) {
      const viaMatrix = telemetry(slots);
      const viaColumns = telemetry(slots);
      const names = ['age', 'income', 'extra1', 'extra2', 'extra3'];
      const profile = baseline([numeric('age', 18, 70), numeric('income', 0, 10), numeric('declared_absent', 0, 1)]);
      const batches = [
        [[20, 5, 1, 2, 3], [80, -1, 4, 5, 6]],
        [[Number.NaN, 3.5, 0, 0, 0]],
        [[30, 11, 2, 2, 2], [17, 0, 1, 1, 1], [45.5, 9.99, 7, 7, 7]],
      ];
      const feed = (rows: number[][], type: 'FP32' | 'FP64' | 'INT32' = 'FP64') => {
        const b = oipInputBatch([tensor(rows, type)], { featureNames: names });
        expect(b.matrix).toBeDefined();
        viaMatrix.observeInputs(b);
        viaColumns.observeInputs(columnsOnly(b));
      };
      for (const t of [viaMatrix, viaColumns]) t.setBaseline(profile, [], {});
      // 6 slots: the extras take the free ones and every later batch is read in place, the declared
      // feature the tensor lacks counted missing. 4 slots: the extras contest one slot batch by batch.
      for (const rows of batches) feed(rows);
      for (const rows of batches) feed(rows, 'INT32');
      const lines = await inputLines(viaMatrix);
      expect(lines).toEqual(await inputLines(viaColumns));
      expect(lines).toContain(`modelwatch_input_invalid_values_total{model="m",model_version="1",pipeline="p",stage="s",variant="primary",feature="declared_absent",kind="missing"} 12`);
      // A new baseline replaces the table: the layout resolved before must not be reused.
      const next = baseline([numeric('income', 0, 100), numeric('extra3', 0, 1)]);
      for (const t of [viaMatrix, viaColumns]) t.setBaseline(next, [], {});
      for (const rows of batches) feed(rows, 'FP32');
      const after = await inputLines(viaMatrix);
      expect(after).toEqual(await inputLines(viaColumns));
      expect(after.some((l) => l.includes('feature="extra3"') && l.startsWith('modelwatch_input_feature_value_count'))).toBe(true);
    }
  });

  it('keeps layouts apart when tensors of different layouts alternate', async () => {
    const viaMatrix = telemetry();
    const viaColumns = telemetry();
    for (const t of [viaMatrix, viaColumns]) t.setBaseline(baseline([numeric('a', 0, 1), numeric('b', 0, 1)]), [], {});
    for (let i = 0; i < 6; i++) {
      // Named by the configuration, then positional (another tensor name), then a 3-column tensor.
      const b = i % 3 === 0 ? oipInputBatch([tensor([[i / 10, 1 - i / 10]])], { featureNames: ['a', 'b'] })
        : i % 3 === 1 ? oipInputBatch([{ ...tensor([[i, -i]]), name: 'other' }])
        : oipInputBatch([tensor([[i, i, i]])], { featureNames: ['a', 'b'] });
      expect(b.matrix).toBeDefined();
      viaMatrix.observeInputs(b);
      viaColumns.observeInputs(columnsOnly(b));
    }
    const lines = await inputLines(viaMatrix);
    expect(lines).toEqual(await inputLines(viaColumns));
    expect(lines.some((l) => l.includes('feature="other[1]"'))).toBe(true);
    expect(lines.some((l) => l.includes('feature="x[2]"'))).toBe(true);
  });

  it('leaves a categorical feature to the general path with the same counts', async () => {
    const viaMatrix = telemetry();
    const viaColumns = telemetry();
    const profile = baseline([numeric('a', 0, 1), { name: 'b', type: 'categorical', count: 10, missing: 0, categories: [{ value: '1', count: 5 }], otherCount: 5 }]);
    for (const t of [viaMatrix, viaColumns]) t.setBaseline(profile, [], {});
    for (const rows of [[[0.5, 1]], [[2, 2], [0.1, 1]]]) {
      const b = oipInputBatch([tensor(rows)], { featureNames: ['a', 'b'] });
      viaMatrix.observeInputs(b);
      viaColumns.observeInputs(columnsOnly(b));
    }
    const lines = await inputLines(viaMatrix);
    expect(lines).toEqual(await inputLines(viaColumns));
    expect(lines).toContain('modelwatch_input_category_total{model="m",model_version="1",pipeline="p",stage="s",variant="primary",feature="b",category="1"} 2');
  });
});

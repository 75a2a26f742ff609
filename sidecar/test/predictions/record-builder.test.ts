import { describe, expect, it } from 'vitest';
import { newPredictionId } from '@modelwatch/core';
import { PrivacyPolicy } from '../../src/predictions/privacy.js';
import { buildRecords } from '../../src/predictions/record-builder.js';
import type { Column, InputBatch, OutputBatch } from '../../src/protocols/types.js';

const identity = { model: 'm', version: '2', variant: 'canary', stage: 's', pipeline: 'p' };
const inputs: InputBatch = { rows: 2, columns: new Map<string, Column>([['temp', new Float32Array([1.5, 2.5])], ['city', ['Oslo', 'Rome']]]) };
const outputs: OutputBatch = {
  rows: 2,
  outputs: new Map([['probabilities', { kind: 'probabilities', rows: 2, classes: 3, data: new Float32Array([0.1, 0.7, 0.2, 0.5, 0.25, 0.25]) }]]),
};

describe('records from an answer', () => {
  it('makes one record per row with the predicted class, its confidence and row ids', () => {
    const id = newPredictionId(Date.parse('2026-11-29T05:00:00Z'));
    const records = buildRecords({ id, timeMs: Date.parse('2026-11-29T05:00:00Z'), outputs, inputs, keepInputs: false, traceId: 'f'.repeat(32) }, identity, new PrivacyPolicy(), ['sun', 'rain', 'fog']);
    expect(records).toEqual([
      { id: `${id}:0`, time: '2026-11-29T05:00:00.000Z', model: 'm', version: '2', variant: 'canary', stage: 's', pipeline: 'p', prediction: 'rain', confidence: expect.closeTo(0.7, 6), outputs: { probabilities: 'rain' }, traceId: 'f'.repeat(32) },
      { id: `${id}:1`, time: '2026-11-29T05:00:00.000Z', model: 'm', version: '2', variant: 'canary', stage: 's', pipeline: 'p', prediction: 'sun', confidence: 0.5, outputs: { probabilities: 'sun' }, traceId: 'f'.repeat(32) },
    ]);
  });

  it('records inputs only for the sampled share, after the privacy rules', () => {
    const privacy = new PrivacyPolicy({ fields: { city: 'drop' } });
    const [r] = buildRecords({ id: 'a1', timeMs: 0, outputs, inputs, keepInputs: true }, identity, privacy, undefined);
    expect(r.inputs).toEqual({ temp: 1.5 });
    expect(r.prediction).toBe('1');
  });

  it('uses the first output as the prediction for regression values, one record for one row', () => {
    const out: OutputBatch = { rows: 1, outputs: new Map([['price', { kind: 'values', values: [12.5] }], ['band', { kind: 'values', values: ['high'] }]]) };
    const records = buildRecords({ id: 'p1', timeMs: 0, outputs: out, keepInputs: false }, identity, new PrivacyPolicy(), undefined);
    expect(records).toHaveLength(1);
    expect(records[0].id).toBe('p1');
    expect(records[0].prediction).toBe(12.5);
    expect(records[0].outputs).toEqual({ price: 12.5, band: 'high' });
  });
});

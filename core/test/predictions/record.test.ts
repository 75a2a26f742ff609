import { describe, expect, it } from 'vitest';
import { checkFeedbackBatch, checkPredictionBatch, checkPredictionRecord } from '../../src/index.js';

const record = (extra: Record<string, unknown> = {}) => ({
  id: 'req-1',
  time: '2026-11-29T05:00:00Z',
  model: 'm',
  version: '3',
  variant: 'primary',
  stage: 'default',
  prediction: 'rain',
  ...extra,
});

describe('prediction records', () => {
  it('accepts a complete record and normalises its time', () => {
    const c = checkPredictionRecord(record({ confidence: 0.9, inputs: { temp: 1, note: null }, outputs: { weather: 'rain' }, traceId: 'ab'.repeat(16), subject: 'k' }), 'm');
    expect(c.ok && c.value.time).toBe('2026-11-29T05:00:00.000Z');
    expect(c.ok && c.value.inputs).toEqual({ temp: 1, note: null });
  });

  it.each([
    ['id', { id: 'has space' }, 'record.id'],
    ['model', { model: 'other' }, 'does not match'],
    ['time', { time: 'yesterday' }, 'record.time'],
    ['confidence', { confidence: 1.5 }, 'record.confidence'],
    ['prediction', { prediction: { a: 1 } }, 'record.prediction'],
    ['nested input', { inputs: { a: [1] } }, 'record.inputs.a'],
    ['non-finite input', { inputs: { a: Infinity } }, 'record.inputs.a'],
    ['trace id', { traceId: 'xyz' }, 'record.traceId'],
  ])('refuses a bad %s', (_what, extra, message) => {
    const c = checkPredictionRecord(record(extra), 'm');
    expect(c.ok).toBe(false);
    expect(!c.ok && c.error).toContain(message);
  });

  it('refuses a batch that is not {records: [...]} or too large', () => {
    expect(checkPredictionBatch([record()], 'm').ok).toBe(false);
    expect(checkPredictionBatch({ records: Array.from({ length: 10_001 }, () => record()) }, 'm').ok).toBe(false);
  });
});

describe('feedback items', () => {
  it('accepts labels, values and events, numeric class labels as text', () => {
    const c = checkFeedbackBatch({
      items: [
        { predictionId: 'p1', label: 'rain' },
        { predictionId: 'p2', label: 1 },
        { predictionId: 'p3', value: 2.5, time: '2026-11-29T05:00:00Z' },
        { predictionId: 'p4', event: 'redo', value: 1 },
      ],
    });
    expect(c.ok && c.value).toEqual([
      { predictionId: 'p1', label: 'rain' },
      { predictionId: 'p2', label: '1' },
      { predictionId: 'p3', value: 2.5, time: '2026-11-29T05:00:00.000Z' },
      { predictionId: 'p4', event: 'redo', value: 1 },
    ]);
  });

  it.each([
    [{ predictionId: 'p1' }, 'needs a label'],
    [{ predictionId: 'p1', label: 'a', event: 'redo' }, 'both label and event'],
    [{ predictionId: 'p1', event: 'Redo!' }, 'event must be'],
    [{ predictionId: 'p1', value: 'high' }, 'value must be'],
    [{ predictionId: '', label: 'a' }, 'predictionId'],
  ])('refuses %j', (item, message) => {
    const c = checkFeedbackBatch({ items: [item] });
    expect(!c.ok && c.error).toContain(message);
  });
});

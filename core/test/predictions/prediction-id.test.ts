import { describe, expect, it } from 'vitest';
import { newPredictionId, predictionIdTime, rowPredictionId, isPredictionId } from '../../src/index.js';

describe('prediction ids', () => {
  it('are RFC 9562 UUIDv7 strings carrying their millisecond time', () => {
    const t = Date.parse('2026-11-29T05:00:00.123Z');
    const id = newPredictionId(t);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(predictionIdTime(id)).toBe(t);
    expect(isPredictionId(id)).toBe(true);
  });

  it('are distinct across many ids drawn in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newPredictionId(1)));
    expect(ids.size).toBe(5000);
  });

  it('sort by time as strings', () => {
    const a = newPredictionId(1_000);
    const b = newPredictionId(2_000_000_000_000);
    expect(a < b).toBe(true);
  });

  it('give batch rows their own ids that keep the time', () => {
    const id = newPredictionId(42);
    expect(rowPredictionId(id, 0, 1)).toBe(id);
    expect(rowPredictionId(id, 3, 5)).toBe(`${id}:3`);
    expect(predictionIdTime(`${id}:3`)).toBe(42);
    expect(predictionIdTime('client-request-1')).toBeUndefined();
  });
});

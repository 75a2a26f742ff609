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

  it('carry the time in their first 12 hex digits for any time, also when it changes back and forth', () => {
    const times = [0, 1, 15, 16, 255, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 1_764_420_000_123, 1_764_420_000_124, 1_764_420_000_123, 2 ** 48 - 1, 2 ** 48 + 5, 1e15, 2 ** 53 - 1, 2 ** 53, 1e300, 42.9, 3, 3];
    for (let i = 0; i < 200; i++) times.push(Math.floor(Math.random() * 2 ** 53));
    for (const t of times) {
      // How the time was formatted before it was written digit by digit: the reference.
      const ms = Math.floor(t).toString(16).padStart(12, '0').slice(-12);
      const id = newPredictionId(t);
      expect(id.slice(0, 15)).toBe(`${ms.slice(0, 8)}-${ms.slice(8, 12)}-7`);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('draw every random digit over its whole range (74 random bits, variant 10xx)', () => {
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 20_000; i++) {
      const id = newPredictionId(7);
      for (let k = 0; k < 36; k++) seen[k].add(id[k]);
    }
    for (const k of [15, 16, 17, 20, 21, 22, ...Array.from({ length: 12 }, (_, j) => 24 + j)]) expect(seen[k].size).toBe(16);
    expect([...seen[19]].sort()).toEqual(['8', '9', 'a', 'b']);
    expect([...seen[14]]).toEqual(['7']);
  });
});

import { newPredictionId, type PredictionRecord } from '@modelwatch/core';

const T0 = Date.parse('2026-11-01T00:00:00.000Z');

/** A prediction record of model `m`, `i` seconds after a fixed start; id a UUIDv7 of that time unless given. */
export function createRecord(model: string, i: number, overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  const timeMs = T0 + i * 1000;
  return {
    id: newPredictionId(timeMs),
    time: new Date(timeMs).toISOString(),
    model,
    version: '1',
    variant: 'primary',
    stage: 'default',
    prediction: i % 2 === 0 ? 'sun' : 'rain',
    outputs: { weather: i % 2 === 0 ? 'sun' : 'rain' },
    confidence: 0.75,
    ...overrides,
  };
}

export const RECORD_T0 = T0;

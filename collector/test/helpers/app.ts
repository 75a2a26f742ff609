import { Registry } from 'prom-client';
import { buildApp, DriftMetrics, FeedbackMetrics, MemoryPredictionStore, MemoryStore } from '../../src/index.js';
import type { AppDeps } from '../../src/api/app.js';

/** The REST app over an in-memory store, for tests that need no listening collector. */
export function buildTestApp(overrides: Partial<AppDeps> = {}) {
  return buildApp({
    store: new MemoryStore(),
    metrics: new DriftMetrics(false),
    maxBodyBytes: 1024,
    latestReports: () => [],
    profileRawData: async () => {
      throw new Error('not used');
    },
    baselinesChanged: () => {},
    ready: async () => true,
    predictionLog: {
      predictions: new MemoryPredictionStore(),
      metrics: new FeedbackMetrics(new Registry()),
      retentionMs: 86_400_000,
      events: new Set(['redo']),
    },
    ...overrides,
  });
}


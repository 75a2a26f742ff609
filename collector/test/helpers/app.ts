import { Registry } from 'prom-client';
import { buildApp, DriftMetrics, FeedbackMetrics, MemoryPredictionStore, MemoryStore } from '../../src/index.js';
import type { AppDeps } from '../../src/api/app.js';
import { MemoryReviewStore } from '../../src/review/memory-review-store.js';
import { ReviewMetrics } from '../../src/review/review-metrics.js';
import { ReviewQueue } from '../../src/review/review-queue.js';

/** The REST app over an in-memory store, for tests that need no listening collector. */
export function buildTestApp(overrides: Partial<AppDeps> = {}) {
  const predictions = new MemoryPredictionStore();
  const reviews = new MemoryReviewStore();
  const queue = new ReviewQueue(predictions, reviews, new ReviewMetrics(new Registry()), {
    bound: { maxPending: 100, overflow: 'drop-oldest' },
    claimTtlMs: 60_000,
    retentionMs: 86_400_000,
    events: new Set(['redo']),
  });
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
      predictions,
      metrics: new FeedbackMetrics(new Registry()),
      retentionMs: 86_400_000,
      events: new Set(['redo']),
    },
    review: { queue, retentionMs: 86_400_000 },
    retraining: { history: reviews },
    ...overrides,
  });
}


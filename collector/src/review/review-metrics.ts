import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CollectorReview, CONFIDENCE_BAND_EDGES, confidenceBand, REVIEW_REASONS, type ReviewReasonValue } from '@modelwatch/core';
import type { QueueStats, ReviewItem } from './review-store.js';

/** Reviewers count as active this long after their last decision. */
const ACTIVE_WINDOW_MS = 15 * 60_000;
/** Bound on reviewers remembered per model for the active-reviewer gauge (names never become labels). */
const MAX_REVIEWERS = 1_000;

export type EnqueueOutcome = 'queued' | 'duplicate' | 'refused' | 'dropped';

/** Whether a human decision agrees with the model's answer (`value` for a regression target). */
export function agreement(item: Pick<ReviewItem, 'prediction' | 'decisionLabel'>): 'agree' | 'disagree' | 'value' {
  if (item.decisionLabel === undefined) return 'value';
  return item.prediction !== null && String(item.prediction) === item.decisionLabel ? 'agree' : 'disagree';
}

/**
 * The review queue's series. Depth and oldest age are refreshed from the store (`observeQueues`),
 * so they are right after a restart and across replicas sharing PostgreSQL; counters are per process.
 */
export class ReviewMetrics {
  private readonly items: Counter;
  private readonly depth: Gauge;
  private readonly oldest: Gauge;
  private readonly decisions: Counter;
  private readonly latency: Histogram;
  private readonly active: Gauge;
  private readonly lastDecision = new Map<string, Map<string, number>>();
  private readonly knownQueues = new Set<string>();

  constructor(registry: Registry) {
    const d = CollectorReview;
    this.items = new Counter({ name: d.reviewItems.name, help: d.reviewItems.help, labelNames: [...d.reviewItems.labels], registers: [registry] });
    this.depth = new Gauge({ name: d.queueDepth.name, help: d.queueDepth.help, labelNames: [...d.queueDepth.labels], registers: [registry] });
    this.oldest = new Gauge({ name: d.oldestAge.name, help: d.oldestAge.help, labelNames: [...d.oldestAge.labels], registers: [registry] });
    this.decisions = new Counter({ name: d.decisions.name, help: d.decisions.help, labelNames: [...d.decisions.labels], registers: [registry] });
    this.latency = new Histogram({
      name: d.decisionLatency.name,
      help: d.decisionLatency.help,
      labelNames: [...d.decisionLatency.labels],
      buckets: [10, 60, 300, 900, 3600, 4 * 3600, 86_400, 3 * 86_400],
      registers: [registry],
    });
    this.active = new Gauge({ name: d.activeReviewers.name, help: d.activeReviewers.help, labelNames: [...d.activeReviewers.labels], registers: [registry] });
  }

  /** Writes every (reason, outcome) of the model at 0 first so rates exist before the first event. */
  enqueued(model: string, counts: ReadonlyMap<ReviewReasonValue, Partial<Record<EnqueueOutcome, number>>>): void {
    for (const reason of REVIEW_REASONS) {
      const c = counts.get(reason) ?? {};
      for (const outcome of ['queued', 'duplicate', 'refused', 'dropped'] as const) this.items.inc({ model, reason, outcome }, c[outcome] ?? 0);
    }
  }

  decided(item: ReviewItem, nowMs: number): void {
    const { model } = item;
    if (!this.lastDecision.has(model)) {
      // Every band and outcome at 0, so agreement ratios exist from the first decision on.
      for (const lower of CONFIDENCE_BAND_EDGES) {
        for (const outcome of ['agree', 'disagree', 'value']) this.decisions.inc({ model, band: confidenceBand(lower), outcome }, 0);
      }
      for (const outcome of ['agree', 'disagree', 'value']) this.decisions.inc({ model, band: 'unknown', outcome }, 0);
      this.lastDecision.set(model, new Map());
    }
    this.decisions.inc({ model, band: confidenceBand(item.confidence), outcome: agreement(item) });
    this.latency.observe({ model }, Math.max(0, (nowMs - item.enqueuedMs) / 1000));
    const reviewers = this.lastDecision.get(model)!;
    reviewers.delete(item.decidedBy!);
    reviewers.set(item.decidedBy!, nowMs);
    if (reviewers.size > MAX_REVIEWERS) reviewers.delete(reviewers.keys().next().value!);
  }

  /** Refreshes depth, oldest age and active reviewers; queues that emptied are set to 0, not left stale. */
  observeQueues(stats: readonly QueueStats[], nowMs: number): void {
    const seen = new Set<string>();
    for (const s of stats) {
      seen.add(s.model);
      this.knownQueues.add(s.model);
      this.depth.set({ model: s.model }, s.pending);
      this.oldest.set({ model: s.model }, s.oldestMs === undefined ? 0 : Math.max(0, (nowMs - s.oldestMs) / 1000));
    }
    for (const model of this.knownQueues) {
      if (seen.has(model)) continue;
      this.depth.set({ model }, 0);
      this.oldest.set({ model }, 0);
    }
    for (const [model, reviewers] of this.lastDecision) {
      // Insertion order is decision order: expired reviewers sit at the front.
      for (const [name, ms] of reviewers) {
        if (nowMs - ms <= ACTIVE_WINDOW_MS) break;
        reviewers.delete(name);
      }
      this.active.set({ model }, reviewers.size);
    }
  }
}

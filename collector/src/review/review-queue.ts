import { ReviewErrors, ModelwatchError, type FeedbackOutcome, type PredictionRecord, type ReviewReasonValue } from '@modelwatch/core';
import type { PredictionStore } from '../store/prediction-store.js';
import type { EnqueueOutcome, ReviewMetrics } from './review-metrics.js';
import type { QueueBound, ReviewItem, ReviewStore } from './review-store.js';

export interface ReviewQueueOptions {
  bound: QueueBound;
  /** How long a claim holds an item for one reviewer. */
  claimTtlMs: number;
  /** Prediction retention: a decision on a record past it is stored as a `late` label (not applied). */
  retentionMs: number;
  /** User-signal names (the feedback context needs them; review decisions are labels). */
  events: ReadonlySet<string>;
}

export interface SubmitResult {
  queued: number;
  duplicate: number;
  refused: number;
  dropped: number;
}

/**
 * The human side of partial automation: answers the sidecar marked go in (their records into the
 * prediction log, a queue entry here), reviewers claim and decide them, and each decision becomes
 * the prediction's label through the same `applyFeedback` as any other ground truth.
 */
export class ReviewQueue {
  constructor(
    readonly predictions: PredictionStore,
    readonly store: ReviewStore,
    private readonly metrics: ReviewMetrics,
    readonly options: ReviewQueueOptions,
    /** Called after a decision became a label (realized performance and detectors catch up). */
    private readonly labelled?: (model: string) => void,
  ) {}

  async submit(model: string, items: readonly { reason: ReviewReasonValue; record: PredictionRecord }[], nowMs = Date.now()): Promise<SubmitResult> {
    await this.predictions.putPredictions(model, items.map((i) => i.record), nowMs);
    const res = await this.store.enqueue(
      model,
      items.map((i) => ({
        predictionId: i.record.id,
        reason: i.reason,
        prediction: i.record.prediction,
        ...(i.record.confidence !== undefined ? { confidence: i.record.confidence } : {}),
        record: i.record,
      })),
      nowMs,
      this.options.bound,
    );
    const counts = new Map<ReviewReasonValue, Partial<Record<EnqueueOutcome, number>>>();
    const add = (reason: ReviewReasonValue, outcome: EnqueueOutcome) => {
      const c = counts.get(reason) ?? {};
      c[outcome] = (c[outcome] ?? 0) + 1;
      counts.set(reason, c);
    };
    res.outcomes.forEach((o, i) => add(items[i].reason, o));
    for (const reason of res.dropped) add(reason, 'dropped');
    this.metrics.enqueued(model, counts);
    await this.refreshMetrics(nowMs);
    const n = (o: string) => res.outcomes.filter((x) => x === o).length;
    return { queued: n('queued'), duplicate: n('duplicate'), refused: n('refused'), dropped: res.dropped.length };
  }

  async claim(model: string, predictionId: string, reviewer: string, nowMs = Date.now()): Promise<ReviewItem> {
    const res = await this.store.claim(model, predictionId, reviewer, nowMs, this.options.claimTtlMs);
    if (res.outcome !== 'claimed') throw refusal(res, predictionId);
    return res.item;
  }

  claimNext(model: string, reviewer: string, skip: readonly string[] = [], nowMs = Date.now()): Promise<ReviewItem | undefined> {
    return this.store.claimNext(model, reviewer, nowMs, this.options.claimTtlMs, skip);
  }

  /** Records the decision and applies it as the prediction's label; returns the item and the label's outcome. */
  async decide(
    model: string,
    predictionId: string,
    decision: { reviewer: string; label?: string; value?: number },
    nowMs = Date.now(),
  ): Promise<{ item: ReviewItem; label: FeedbackOutcome }> {
    const res = await this.store.decide(model, predictionId, decision, nowMs);
    if (res.outcome !== 'decided') throw refusal(res, predictionId);
    const feedback = decision.label !== undefined ? { predictionId, label: decision.label } : { predictionId, value: decision.value! };
    const [label] = await this.predictions.applyFeedback(model, [feedback], {
      nowMs,
      retainedFromMs: nowMs - this.options.retentionMs,
      events: this.options.events,
    });
    this.metrics.decided(res.item, nowMs);
    await this.refreshMetrics(nowMs);
    if (label === 'accepted') this.labelled?.(model);
    return { item: res.item, label };
  }

  async refreshMetrics(nowMs = Date.now()): Promise<void> {
    this.metrics.observeQueues(await this.store.stats(), nowMs);
  }
}

function refusal(res: { outcome: 'held'; untilMs: number } | { outcome: 'already_decided' } | { outcome: 'unknown' }, predictionId: string): ModelwatchError {
  if (res.outcome === 'held') return new ModelwatchError(ReviewErrors.claimed, { predictionId, until: new Date(res.untilMs).toISOString() });
  if (res.outcome === 'already_decided') return new ModelwatchError(ReviewErrors.decided, { predictionId });
  return new ModelwatchError(ReviewErrors.unknownItem, { predictionId });
}

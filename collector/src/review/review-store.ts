import type { PredictionRecord, ReviewReasonValue } from '@modelwatch/core';

/**
 * One answer waiting for (or given) a human decision. The item keeps the record the sidecar sent
 * for review (inputs included, after its privacy rules): the prediction log may hold the same id
 * from sampling without inputs, and the reviewer needs them.
 */
export interface ReviewItem {
  model: string;
  predictionId: string;
  reason: ReviewReasonValue;
  /** When the item entered the queue; the queue is worked oldest first on this. */
  enqueuedMs: number;
  /** The model's answer and its confidence, kept here so agreement needs no join. */
  prediction: string | number | null;
  confidence?: number;
  record: PredictionRecord;
  claimedBy?: string;
  claimUntilMs?: number;
  decidedBy?: string;
  decidedMs?: number;
  decisionLabel?: string;
  decisionValue?: number;
}

export type ReviewState = 'pending' | 'decided';

export interface NewReviewItem {
  predictionId: string;
  reason: ReviewReasonValue;
  prediction: string | number | null;
  confidence?: number;
  record: PredictionRecord;
}

/** What a full queue does with a new item: drop the oldest pending one (counted) or refuse the new one. */
export type OverflowPolicy = 'drop-oldest' | 'refuse-new';

export interface QueueBound {
  /** Pending items per model. */
  maxPending: number;
  overflow: OverflowPolicy;
}

export interface EnqueueResult {
  /** One outcome per item, in item order. */
  outcomes: ('queued' | 'duplicate' | 'refused')[];
  /** Pending items dropped to make room (drop-oldest), with their reasons. */
  dropped: ReviewReasonValue[];
}

export type ClaimResult =
  | { outcome: 'claimed'; item: ReviewItem }
  | { outcome: 'held'; by: string; untilMs: number }
  | { outcome: 'already_decided' }
  | { outcome: 'unknown' };

export interface Decision {
  reviewer: string;
  label?: string;
  value?: number;
}

export type DecideResult = { outcome: 'decided'; item: ReviewItem } | Exclude<ClaimResult, { outcome: 'claimed' }>;

export interface QueueStats {
  model: string;
  pending: number;
  /** enqueuedMs of the oldest pending item; undefined when none. */
  oldestMs?: number;
}

export interface ReviewListQuery {
  state: ReviewState;
  limit: number;
  /** Paging: items strictly after this (ms, id): enqueue time for pending, decision time for decided. */
  after?: { ms: number; id: string };
}

/** One retraining trigger as the history keeps it (delivered, failed after every attempt, or suppressed by the cool-down). */
export interface RetrainingEvent {
  id: string;
  model: string;
  timeMs: number;
  reason: string;
  outcome: 'delivered' | 'failed' | 'suppressed';
  /** The webhook payload (reason, evidence, export link) and delivery details. */
  detail: Record<string, unknown>;
}

/**
 * The review queue of every model. A claim is a lease: it holds an item for one reviewer until it
 * expires, so two reviewers never work the same item and an abandoned one returns to the queue.
 * Implementations: memory, SQLite, PostgreSQL; one contract suite (collector/test/review/review-store-contract.ts).
 */
export interface ReviewStore {
  /** Adds items (a (model, id) already queued or decided is a duplicate); keeps pending items within the bound. */
  enqueue(model: string, items: readonly NewReviewItem[], nowMs: number, bound: QueueBound): Promise<EnqueueResult>;
  /** Items of a state, oldest first (pending: by enqueue time; decided: by decision time). */
  list(model: string, query: ReviewListQuery): Promise<ReviewItem[]>;
  get(model: string, predictionId: string): Promise<ReviewItem | undefined>;
  /** Leases one item to `reviewer` until nowMs + ttlMs (a reviewer may renew their own claim). */
  claim(model: string, predictionId: string, reviewer: string, nowMs: number, ttlMs: number): Promise<ClaimResult>;
  /**
   * Leases the oldest pending item nobody else holds (the reviewer's own live claim first), leaving
   * out `skip` (items the reviewer passed over); undefined when there is none.
   */
  claimNext(model: string, reviewer: string, nowMs: number, ttlMs: number, skip?: readonly string[]): Promise<ReviewItem | undefined>;
  /** Records the decision unless another reviewer holds a live claim or the item is already decided. */
  decide(model: string, predictionId: string, decision: Decision, nowMs: number): Promise<DecideResult>;
  /** Pending count and oldest item per model with pending items. */
  stats(): Promise<QueueStats[]>;
  /** The retraining history (kept with the review queue: both are the human side of the loop). */
  appendRetrainingEvent(event: RetrainingEvent): Promise<void>;
  /** A model's retraining events, newest first. */
  retrainingEvents(model: string, limit: number): Promise<RetrainingEvent[]>;
  /** Deletes decided items decided before `beforeMs` and pending items enqueued before it (retention). */
  prune(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}

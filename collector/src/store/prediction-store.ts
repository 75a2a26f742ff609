import type { FeedbackItem, FeedbackOutcome, PerformanceCounts, PredictionRecord } from '@modelwatch/core';
import type { PerformanceReport, StoredPerformanceReport } from '../performance/report.js';

/** A stored record with what has been joined to it since. */
export interface StoredPrediction extends PredictionRecord {
  /** When the collector stored the record. */
  receivedAt: string;
  label?: string;
  labelValue?: number;
  /** When the ground truth became known (the feedback's `time`, else its arrival). */
  labelTime?: string;
  /** User signals, in arrival order. */
  events: { event: string; value?: number; time: string }[];
}

/** The compact joined row realized performance, detectors and exports read. */
export interface LabelledPrediction {
  id: string;
  variant: string;
  version: string;
  timeMs: number;
  prediction: string | number | null;
  confidence?: number;
  label?: string;
  labelValue?: number;
  labelMs: number;
  /** Label arrival order, increasing over the whole store (detectors consume labels in this order). */
  seq: number;
}

/** Counts of one variant's predictions in a window: the denominators of coverage and event rates. */
export interface PredictionCounts {
  variant: string;
  predictions: number;
  labelled: number;
  /** Predictions with at least one event of that name. */
  events: Record<string, number>;
}

/** Sufficient statistics of one variant's labelled predictions in a window (aggregated by the store). */
export interface VariantPerformanceCounts {
  variant: string;
  counts: PerformanceCounts;
  /** Label delays per DELAY_EDGES_SECONDS bucket (length edges + 1). */
  delays: number[];
}

export interface PutPredictionsResult {
  accepted: number;
  duplicate: number;
  /** Held (`pending`) labels joined to this batch's records. */
  labelsJoined: number;
}

export interface FeedbackContext {
  nowMs: number;
  /** Records older than this are pruned by retention: feedback for them is `late`, not `unknown_id`. */
  retainedFromMs: number;
  /** User-signal names accepted (others: `unknown_event`). */
  events: ReadonlySet<string>;
  /**
   * Labels whose record is not stored (and not past retention) are held, outcome `pending`, up
   * to this many per model; beyond it, or when unset or 0, they are `unknown_id`. Concurrent
   * batches may overshoot the bound by at most one batch.
   */
  maxPending?: number;
}

/** Held labels deleted by the grace-period sweep, per model. */
export interface ExpiredPending {
  model: string;
  expired: number;
}

export interface PredictionQuery {
  /** Prediction time in (fromMs, toMs]. */
  fromMs: number;
  toMs: number;
  /** true: labelled only; false: unlabelled only; undefined: all. */
  labelled?: boolean;
  variant?: string;
  /** Paging: records strictly after this (timeMs, id) in (time, id) order. */
  after?: { timeMs: number; id: string };
  limit: number;
}

/** Persisted state of one concept-drift detector of one model variant. */
export interface DetectorStateRow {
  variant: string;
  detector: string;
  /** The detector's serialisable state (core/src/concept). */
  state: unknown;
  /** seq of the last label the state has consumed. */
  cursor: number;
}

/**
 * The prediction log and what is joined to it: records (deduplicated by model and id), labels
 * (first label wins), user signals (one per prediction and event name), detector state.
 * Implementations: memory (tests, `--db :memory:`), SQLite (default), PostgreSQL; one contract
 * suite (collector/test/store/prediction-store-contract.ts) runs against all three.
 */
export interface PredictionStore {
  /**
   * Stores new records; a record whose (model, id) is already stored is a duplicate and left as it
   * was. Held labels of the new records are joined in the same transaction, unless they arrived
   * before `pendingFromMs` (past the grace period: left for `expirePending` to count).
   */
  putPredictions(model: string, records: readonly PredictionRecord[], receivedMs: number, pendingFromMs?: number): Promise<PutPredictionsResult>;
  /** Deletes held labels that arrived before `beforeMs` (their record never came). */
  expirePending(beforeMs: number): Promise<ExpiredPending[]>;
  /** Held labels of a model (a gauge, and what the bound is checked against). */
  pendingCount(model: string): Promise<number>;
  /** Joins feedback to stored records (or holds labels whose record is not there yet); one outcome per item, in item order. */
  applyFeedback(model: string, items: readonly FeedbackItem[], ctx: FeedbackContext): Promise<FeedbackOutcome[]>;
  getPrediction(model: string, id: string): Promise<StoredPrediction | undefined>;
  /** Records in (time, id) order, for export and review. */
  predictions(model: string, query: PredictionQuery): Promise<StoredPrediction[]>;
  /** Labelled predictions made in (fromMs, toMs], in label arrival order. */
  labelledPredictions(model: string, fromMs: number, toMs: number): Promise<LabelledPrediction[]>;
  /** Labelled predictions whose label arrived after `afterSeq`, in arrival order, at most `limit`. */
  labelsSince(model: string, afterSeq: number, limit: number): Promise<LabelledPrediction[]>;
  /**
   * Realized-performance statistics of the labelled predictions made in (fromMs, toMs], per
   * variant, aggregated in the store (one scan, no rows returned): what a window of millions needs.
   */
  performanceCounts(model: string, fromMs: number, toMs: number): Promise<VariantPerformanceCounts[]>;
  /** Per-variant counts of predictions made in (fromMs, toMs]. */
  predictionCounts(model: string, fromMs: number, toMs: number): Promise<PredictionCounts[]>;
  /** Models that have at least one stored record. */
  predictionModels(): Promise<string[]>;
  /** Erasure on request: deletes the subject's records and everything joined to them. */
  deleteBySubject(model: string, subject: string): Promise<number>;
  /** Retention: deletes records made before `beforeMs` and everything joined to them. */
  prunePredictions(beforeMs: number): Promise<number>;

  detectorStates(model: string): Promise<DetectorStateRow[]>;
  putDetectorStates(model: string, rows: readonly DetectorStateRow[]): Promise<void>;

  appendPerformance(report: PerformanceReport, evaluatedAt: string): Promise<void>;
  /** Newest first, at most `limit`, optionally for one window label. */
  performanceHistory(model: string, limit: number, window?: string): Promise<StoredPerformanceReport[]>;
  /** Keeps at most `keep` reports per model and window. */
  prunePerformanceHistory(keep: number): Promise<void>;

  close(): Promise<void>;
}

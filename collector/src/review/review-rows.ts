import type { ReviewReasonValue } from '@modelwatch/core';
import type { ReviewItem } from './review-store.js';

/** Columns every SQL review-store query selects, in the shape `toReviewItem` reads. */
export const REVIEW_COLUMNS =
  'model, prediction_id, reason, enqueued_ms, prediction, record, confidence, claimed_by, claim_until_ms, decided_by, decided_ms, decision_label, decision_value';

export interface ReviewRow {
  model: string;
  prediction_id: string;
  reason: string;
  enqueued_ms: number | string;
  prediction: string;
  record: string;
  confidence: number | null;
  claimed_by: string | null;
  claim_until_ms: number | string | null;
  decided_by: string | null;
  decided_ms: number | string | null;
  decision_label: string | null;
  decision_value: number | null;
}

/** A SQL row as a ReviewItem (PostgreSQL answers BIGINT as strings; absent columns are left out). */
export function toReviewItem(r: ReviewRow): ReviewItem {
  const item: ReviewItem = {
    model: r.model,
    predictionId: r.prediction_id,
    reason: r.reason as ReviewReasonValue,
    enqueuedMs: Number(r.enqueued_ms),
    prediction: JSON.parse(r.prediction) as ReviewItem['prediction'],
    record: JSON.parse(r.record) as ReviewItem['record'],
  };
  if (r.confidence !== null) item.confidence = r.confidence;
  if (r.decided_ms !== null) {
    item.decidedMs = Number(r.decided_ms);
    item.decidedBy = r.decided_by!;
    if (r.decision_label !== null) item.decisionLabel = r.decision_label;
    if (r.decision_value !== null) item.decisionValue = r.decision_value;
  } else if (r.claimed_by !== null) {
    item.claimedBy = r.claimed_by;
    item.claimUntilMs = Number(r.claim_until_ms);
  }
  return item;
}

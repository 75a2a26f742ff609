import { isPredictionId, type Checked } from './record.js';

/**
 * Feedback on a prediction, arriving at the collector any time after the answer: ground truth
 * (`label` for a class, `value` for a regression target) or a user signal (`event`, e.g. `redo`).
 */
export interface LabelFeedback {
  predictionId: string;
  label?: string;
  value?: number;
  /** When the ground truth became known; default: when the collector received it. */
  time?: string;
}

export interface EventFeedback {
  predictionId: string;
  /** A user signal name; the collector accepts the configured set only (names become labels). */
  event: string;
  value?: number;
  time?: string;
}

export type FeedbackItem = LabelFeedback | EventFeedback;

export function isEventFeedback(item: FeedbackItem): item is EventFeedback {
  return (item as EventFeedback).event !== undefined;
}

/**
 * What became of one feedback item. Everything not accepted is counted by this reason on
 * `modelwatch_feedback_total`, and answered per item, so nothing is lost without a trace.
 * `pending`: a label whose prediction record has not arrived yet (records ship asynchronously),
 * held by the collector for a grace period and joined when the record arrives.
 */
export type FeedbackOutcome = 'accepted' | 'pending' | 'duplicate' | 'unknown_id' | 'late' | 'unknown_event';

export const FEEDBACK_OUTCOMES: readonly FeedbackOutcome[] = ['accepted', 'pending', 'duplicate', 'unknown_id', 'late', 'unknown_event'];

export const FEEDBACK_LIMITS = { batch: 10_000, labelLength: 256, eventLength: 64 } as const;

/** Event names: short identifiers, so the configured set can be labels. */
export const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkItem(raw: unknown, where: string): Checked<FeedbackItem> {
  const fail = (error: string): Checked<FeedbackItem> => ({ ok: false, error });
  if (!isObject(raw)) return fail(`${where} must be an object`);
  if (typeof raw.predictionId !== 'string' || !isPredictionId(raw.predictionId)) {
    return fail(`${where}.predictionId must be a prediction id (1-128 of A-Z a-z 0-9 . _ : @ / + = -)`);
  }
  let time: string | undefined;
  if (raw.time !== undefined) {
    const t = typeof raw.time === 'string' ? Date.parse(raw.time) : NaN;
    if (!Number.isFinite(t)) return fail(`${where}.time must be an ISO 8601 timestamp`);
    time = new Date(t).toISOString();
  }
  if (raw.value !== undefined && !(typeof raw.value === 'number' && Number.isFinite(raw.value))) {
    return fail(`${where}.value must be a finite number`);
  }
  const kinds = ['label', 'event'].filter((k) => raw[k] !== undefined);
  if (kinds.length === 2) return fail(`${where} has both label and event: send them as two items`);
  if (raw.event !== undefined) {
    if (typeof raw.event !== 'string' || !EVENT_NAME.test(raw.event)) {
      return fail(`${where}.event must be a name of lowercase letters, digits and _ (e.g. "redo", "click")`);
    }
    const item: EventFeedback = { predictionId: raw.predictionId, event: raw.event };
    if (raw.value !== undefined) item.value = raw.value as number;
    if (time) item.time = time;
    return { ok: true, value: item };
  }
  if (raw.label === undefined && raw.value === undefined) return fail(`${where} needs a label, a value or an event`);
  const item: LabelFeedback = { predictionId: raw.predictionId };
  if (raw.label !== undefined) {
    // Numeric class labels (0/1) are accepted and compared as text with the predicted class.
    const label = typeof raw.label === 'number' && Number.isFinite(raw.label) ? String(raw.label) : raw.label;
    if (typeof label !== 'string' || label.length === 0 || label.length > FEEDBACK_LIMITS.labelLength) {
      return fail(`${where}.label must be a non-empty string of at most ${FEEDBACK_LIMITS.labelLength} characters`);
    }
    item.label = label;
  }
  if (raw.value !== undefined) item.value = raw.value as number;
  if (time) item.time = time;
  return { ok: true, value: item };
}

/** Validates a feedback body `{ items: [...] }` (or a bare array); the first bad item names itself. */
export function checkFeedbackBatch(body: unknown): Checked<FeedbackItem[]> {
  const items = Array.isArray(body) ? body : isObject(body) ? body.items : undefined;
  if (!Array.isArray(items)) return { ok: false, error: 'body must be {"items": [{"predictionId", "label" | "value" | "event"}]}' };
  if (items.length > FEEDBACK_LIMITS.batch) return { ok: false, error: `${items.length} items in one batch; at most ${FEEDBACK_LIMITS.batch}` };
  const out: FeedbackItem[] = [];
  for (let i = 0; i < items.length; i++) {
    const c = checkItem(items[i], `items[${i}]`);
    if (!c.ok) return c;
    out.push(c.value);
  }
  return { ok: true, value: out };
}

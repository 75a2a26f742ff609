import { isEventFeedback, predictionIdTime, type FeedbackItem, type FeedbackOutcome } from '@modelwatch/core';
import type { FeedbackContext } from './prediction-store.js';

/**
 * The one place that decides what feedback for a record that is NOT stored means, for every store:
 * `late` when the id's embedded time is older than retention (the record was pruned), else `unknown_id`.
 */
export function missingOutcome(item: FeedbackItem, ctx: FeedbackContext): FeedbackOutcome {
  const t = predictionIdTime(item.predictionId);
  return t !== undefined && t < ctx.retainedFromMs ? 'late' : 'unknown_id';
}

/** Items refused before any lookup: unconfigured event names. */
export function precheck(item: FeedbackItem, ctx: FeedbackContext): FeedbackOutcome | undefined {
  return isEventFeedback(item) && !ctx.events.has(item.event) ? 'unknown_event' : undefined;
}

/** When the feedback's fact became known: its own `time`, else its arrival. */
export function feedbackMs(item: FeedbackItem, ctx: FeedbackContext): number {
  return item.time !== undefined ? Date.parse(item.time) : ctx.nowMs;
}

import { Counter, type Registry } from 'prom-client';
import { CollectorPerformance, FEEDBACK_OUTCOMES, type FeedbackOutcome, type MetricDescriptor } from '@modelwatch/core';

function counter(registry: Registry, d: MetricDescriptor): Counter {
  return new Counter({ name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] });
}

export type RecordOutcome = 'accepted' | 'duplicate' | 'rejected';
export type DeleteReason = 'retention' | 'subject';
export type PendingOutcome = 'joined' | 'expired' | 'dropped';
const PENDING_OUTCOMES: readonly PendingOutcome[] = ['joined', 'expired', 'dropped'];

/**
 * Counters of the prediction log and the feedback API. Outcomes and reasons are closed sets, and
 * the model label is only written for a valid model name, so the series stay bounded.
 */
export class FeedbackMetrics {
  private readonly records: Counter;
  private readonly feedback: Counter;
  private readonly deleted: Counter;
  private readonly pending: Counter;

  constructor(registry: Registry) {
    this.records = counter(registry, CollectorPerformance.predictionRecords);
    this.feedback = counter(registry, CollectorPerformance.feedback);
    this.deleted = counter(registry, CollectorPerformance.recordsDeleted);
    this.pending = counter(registry, CollectorPerformance.pendingLabels);
  }

  recordsIngested(model: string, outcome: RecordOutcome, n: number): void {
    if (n > 0) this.records.inc({ model, outcome }, n);
  }

  /** Counts one batch's outcomes; every outcome is written (at 0) so rates exist before the first loss. */
  feedbackApplied(model: string, kind: 'label' | 'event', outcomes: readonly FeedbackOutcome[]): void {
    const counts = new Map<FeedbackOutcome, number>(FEEDBACK_OUTCOMES.map((o) => [o, 0]));
    for (const o of outcomes) counts.set(o, counts.get(o)! + 1);
    for (const [outcome, n] of counts) this.feedback.inc({ model, kind, outcome }, n);
  }

  /**
   * Writes a model's three held-label outcomes at 0 (called with each label batch while holding is
   * on): the series exist before the first loss, so increase() in ModelwatchLabelsLost sees it.
   */
  pendingLabelsPossible(model: string): void {
    for (const outcome of PENDING_OUTCOMES) this.pending.inc({ model, outcome }, 0);
  }

  /** Held labels by what became of them (joined, expired past the grace period, dropped when the model was full). */
  pendingLabels(model: string, outcome: PendingOutcome, n: number): void {
    if (n > 0) this.pending.inc({ model, outcome }, n);
  }

  recordsDeleted(reason: DeleteReason, n: number): void {
    this.deleted.inc({ reason }, n);
  }
}

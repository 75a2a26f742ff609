import { Counter, Gauge, type Registry } from 'prom-client';
import { CollectorReview } from '@modelwatch/core';

export type TriggerOutcome = 'delivered' | 'failed' | 'suppressed';

/** Retraining triggers on /metrics: one count per episode and outcome, and when the last one was. */
export class RetrainingMetrics {
  private readonly triggers: Counter;
  private readonly last: Gauge;

  constructor(registry: Registry) {
    const d = CollectorReview;
    this.triggers = new Counter({ name: d.retrainingTriggers.name, help: d.retrainingTriggers.help, labelNames: [...d.retrainingTriggers.labels], registers: [registry] });
    this.last = new Gauge({ name: d.retrainingLastTrigger.name, help: d.retrainingLastTrigger.help, labelNames: [...d.retrainingLastTrigger.labels], registers: [registry] });
  }

  /** A policy's model: its series exist (at 0) before the first trigger, so increase() works from the start. */
  watch(model: string, reasons: readonly string[]): void {
    for (const reason of reasons) for (const outcome of ['delivered', 'failed', 'suppressed']) this.triggers.inc({ model, reason, outcome }, 0);
    this.last.inc({ model }, 0);
  }

  triggered(model: string, reason: string, outcome: TriggerOutcome, atMs: number): void {
    this.triggers.inc({ model, reason, outcome });
    if (outcome !== 'suppressed') this.last.set({ model }, atMs / 1000);
  }
}

import type { PredictionStore } from '../store/prediction-store.js';
import type { FeedbackMetrics } from './feedback-metrics.js';

/** How often records past retention are deleted: often enough that the table never holds much more. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Deletes prediction records older than the retention period, and held labels whose record did
 * not arrive within the grace period (counted as expired), at startup and then periodically: every
 * 10 minutes, or a quarter of the grace period when that is shorter. A failed prune is retried at
 * the next tick (the store may be briefly unavailable).
 */
export class RetentionLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly everyMs: number;

  constructor(
    private readonly store: PredictionStore,
    private readonly retentionMs: number,
    private readonly metrics: FeedbackMetrics,
    everyMs = PRUNE_EVERY_MS,
    private readonly pendingGraceMs?: number,
  ) {
    this.everyMs = pendingGraceMs === undefined ? everyMs : Math.min(everyMs, Math.max(1_000, Math.floor(pendingGraceMs / 4)));
  }

  /** One prune now; resolves with the number of records deleted (0 when the store failed). */
  async prune(nowMs = Date.now()): Promise<number> {
    try {
      if (this.pendingGraceMs !== undefined) {
        for (const e of await this.store.expirePending(nowMs - this.pendingGraceMs)) this.metrics.pendingLabels(e.model, 'expired', e.expired);
      }
      const n = await this.store.prunePredictions(nowMs - this.retentionMs);
      this.metrics.recordsDeleted('retention', n);
      return n;
    } catch {
      return 0;
    }
  }

  start(): void {
    const tick = () => {
      this.running = this.prune().then(() => undefined);
    };
    tick();
    this.timer = setInterval(tick, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}

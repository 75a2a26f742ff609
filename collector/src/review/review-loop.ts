import type { ReviewQueue } from './review-queue.js';

/** Queue gauges age with the clock, not only on change: refreshed this often. */
const REFRESH_EVERY_MS = 10_000;

/**
 * Keeps the queue gauges current (the oldest item ages even when nothing happens) and deletes
 * review items past the prediction retention. A failed round is retried at the next tick.
 */
export class ReviewLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastPruneMs = 0;

  constructor(
    private readonly queue: ReviewQueue,
    private readonly retentionMs: number,
    private readonly everyMs = REFRESH_EVERY_MS,
    /** Extra work on the same tick (automation gauges), errors swallowed like the refresh. */
    private readonly also?: (nowMs: number) => Promise<void>,
  ) {}

  async tick(nowMs = Date.now()): Promise<void> {
    try {
      if (nowMs - this.lastPruneMs > 10 * 60_000) {
        await this.queue.store.prune(nowMs - this.retentionMs);
        this.lastPruneMs = nowMs;
      }
      await this.queue.refreshMetrics(nowMs);
      await this.also?.(nowMs);
    } catch {
      // The store may be briefly unavailable; the next tick retries.
    }
  }

  start(): void {
    const run = () => {
      this.running = this.tick();
    };
    run();
    this.timer = setInterval(run, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}


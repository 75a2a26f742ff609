import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** Above this event-loop utilisation the process is the bottleneck: shadows give way. */
const BUSY = 0.85;
/** Below it, the admitted share of copies grows back. */
const IDLE = 0.7;
const SAMPLE_MS = 250;
const MIN_SHARE = 0.01;

/**
 * Shadows yield to the primary: the share of copies admitted follows the event loop's utilisation
 * (AIMD: halved while the loop is saturated, +10 points per quiet sample). At 1,000 req/s the loop is
 * far from busy and every copy goes; at saturation the copies that would take CPU from the primary's
 * clients are dropped and counted instead (bench/sidecar/shadow.ts measures both).
 */
export class ShadowShedder {
  private share = 1;
  private last: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  private sample(): void {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    this.adjust(delta.utilization);
  }

  /** One utilisation sample; exposed so the policy can be tested without a saturated process. */
  adjust(utilization: number): void {
    if (utilization > BUSY) this.share = Math.max(MIN_SHARE, this.share / 2);
    else if (utilization < IDLE) this.share = Math.min(1, this.share + 0.1);
  }

  get admittedShare(): number {
    return this.share;
  }

  admit(): boolean {
    return this.share >= 1 || Math.random() < this.share;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

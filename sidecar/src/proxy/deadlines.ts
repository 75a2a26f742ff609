/** One call's time-out, as handed out by Deadlines: cancel it once the call is settled. */
export interface Deadline {
  readonly at: number;
  readonly onTimeout: () => void;
}

/**
 * The upstream time-outs of the calls in flight, checked by one interval timer instead of a
 * setTimeout per call: a Timeout object, its insertion into Node's timer list and clearTimeout's
 * unenroll were ~2% of the proxy's samples at 1,000 req/s (docs/performance.md, "Data path").
 * Every call has the same time-out, so a call fires between `timeoutMs` and `timeoutMs` plus one
 * check interval (a twentieth of the time-out, 5 ms to 250 ms) after it started. The timer runs
 * only while calls are in flight and never keeps the process alive.
 */
export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private readonly checkMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {
    this.checkMs = Math.min(250, Math.max(5, Math.floor(timeoutMs / 20)));
  }

  add(onTimeout: () => void): Deadline {
    const d: Deadline = { at: Date.now() + this.timeoutMs, onTimeout };
    this.pending.add(d);
    if (this.timer === undefined) {
      this.timer = setInterval(this.check, this.checkMs);
      this.timer.unref();
    }
    return d;
  }

  cancel(d: Deadline | undefined): void {
    if (d !== undefined) this.pending.delete(d);
  }

  get size(): number {
    return this.pending.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private readonly check = (): void => {
    const now = Date.now();
    for (const d of this.pending) {
      if (d.at > now) continue;
      this.pending.delete(d);
      d.onTimeout();
    }
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  };
}

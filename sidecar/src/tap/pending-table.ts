/** Why a pending half left the table without its other half. */
export type Eviction = 'timed_out' | 'overflow';

export interface PendingLimits {
  /** Entries held at most; the oldest is dropped (and counted) to make room. */
  maxPending: number;
  /** An entry whose other half has not come within this is dropped (and counted). */
  timeoutMs: number;
}

/**
 * A bounded table of half-complete pairs, keyed by event id. Insertion-ordered (a Map), so the
 * oldest entry is first: overflow evicts it and the sweep stops at the first live entry. Ids that
 * completed recently are remembered (as many as maxPending, for DONE_MEMORY_FACTOR time-outs) so a
 * late duplicate, e.g. a logger's retry, is recognised as one instead of waiting out the time-out
 * as a new half.
 */
/** Completed ids are remembered this many time-outs (duplicates may come later than a partner would). */
const DONE_MEMORY_FACTOR = 10;

export class PendingTable<V> {
  private readonly pending = new Map<string, { value: V; at: number }>();
  private readonly done = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: PendingLimits,
    private readonly onEvict: (value: V, why: Eviction) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.pending.size;
  }

  get(id: string): V | undefined {
    return this.pending.get(id)?.value;
  }

  /** True when `id` was completed within the time-out (a duplicate of a finished pair). */
  completed(id: string): boolean {
    return this.done.has(id);
  }

  put(id: string, value: V): void {
    if (!this.pending.has(id) && this.pending.size >= this.limits.maxPending) {
      const oldest = this.pending.keys().next().value as string;
      const entry = this.pending.get(oldest)!;
      this.pending.delete(oldest);
      this.onEvict(entry.value, 'overflow');
    }
    const existing = this.pending.get(id);
    if (existing) existing.value = value;
    else this.pending.set(id, { value, at: this.now() });
  }

  /** Removes a completed entry and remembers its id. */
  complete(id: string): void {
    this.pending.delete(id);
    if (this.done.size >= this.limits.maxPending) this.done.delete(this.done.keys().next().value as string);
    this.done.set(id, this.now());
  }

  /** Drops entries older than the time-out (oldest first, stops at the first live one). */
  sweep(): void {
    const now = this.now();
    const cutoff = now - this.limits.timeoutMs;
    for (const [id, entry] of this.pending) {
      if (entry.at > cutoff) break;
      this.pending.delete(id);
      this.onEvict(entry.value, 'timed_out');
    }
    const doneCutoff = now - this.limits.timeoutMs * DONE_MEMORY_FACTOR;
    for (const [id, at] of this.done) {
      if (at > doneCutoff) break;
      this.done.delete(id);
    }
  }

  /** Sweeps periodically; the timer never keeps the process alive. */
  start(): void {
    this.timer ??= setInterval(() => this.sweep(), Math.max(10, Math.floor(this.limits.timeoutMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

import { randomBytes } from 'node:crypto';
import { ModelwatchError, PushErrors, type PushedWindow } from '@modelwatch/core';
import { DiskWindowBuffer } from './disk-buffer.js';
import { isEmptyWindow, snapshotDelta, type CountsSnapshot, type SnapshotSource } from './snapshot.js';

/**
 * Edge push: for a sidecar Prometheus cannot scrape. Every interval the counts added since the
 * previous window are stored as one window in the disk buffer, then every buffered window is
 * sent to the collector oldest first. A window is deleted only once the collector acknowledged
 * it (2xx, including "duplicate"), so a lost answer means a resend that the collector
 * recognises by `(source, seq)` — retries never double count.
 */
export interface EdgePusherOptions {
  /** Collector base URL, e.g. `http://127.0.0.1:9400`. */
  collectorUrl: string;
  model: string;
  token?: string;
  bufferDir: string;
  snapshot: SnapshotSource;
  intervalMs?: number;
  maxWindows?: number;
  maxBytes?: number;
  requestTimeoutMs?: number;
  /** Extra fetch options, e.g. a dispatcher trusting the collector's CA (https collector). */
  fetchOptions?: Record<string, unknown>;
  /** Called with a short message when a send fails; the caller rate-limits its log. */
  onError?: (message: string) => void;
  now?: () => number;
}

export interface PushStats {
  source: string;
  buffered: number;
  bufferedBytes: number;
  /** Windows dropped because the buffer was full. */
  dropped: number;
  /** Windows the collector refused as invalid (4xx other than auth/not-found/rate-limit): removed, not retried. */
  rejected: number;
  sent: number;
  lastError?: string;
}

export interface EdgePusher {
  /** Closes the current window into the buffer and sends what is buffered (what the timer does). */
  tick(): Promise<void>;
  /** Sends buffered windows, oldest first, until the buffer is empty or a send fails. */
  flush(): Promise<void>;
  stats(): PushStats;
  /** Stops the timer, closes a last window and tries once to send it; what is unsent stays on disk. */
  close(): Promise<void>;
}

/** Statuses after which the same window will never be accepted: drop it rather than block the queue. */
function isPermanentRejection(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 404, 408, 425, 429].includes(status);
}

export async function startEdgePusher(o: EdgePusherOptions): Promise<EdgePusher> {
  const intervalMs = o.intervalMs ?? 60_000;
  if (!(intervalMs >= 100)) throw new ModelwatchError(PushErrors.interval, { value: intervalMs });
  let base: URL;
  try {
    base = new URL(o.collectorUrl);
  } catch {
    throw new ModelwatchError(PushErrors.collectorUrl, { url: JSON.stringify(o.collectorUrl) });
  }
  const url = new URL(`api/v1/models/${encodeURIComponent(o.model)}/windows`, base.href.endsWith('/') ? base : `${base.href}/`);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const timeoutMs = o.requestTimeoutMs ?? 10_000;
  const now = o.now ?? Date.now;

  const buffer = await DiskWindowBuffer.open({ dir: o.bufferDir, maxWindows: o.maxWindows, maxBytes: o.maxBytes });
  let prev: CountsSnapshot | undefined;
  let windowStart = now();
  let sent = 0;
  let rejected = 0;
  let lastError: string | undefined;
  let flushing: Promise<void> | undefined;
  let ticking: Promise<void> = Promise.resolve();
  let closed = false;
  // When the buffer cannot take a window (disk full, read-only), the window is held in memory and
  // sent directly instead: one at a time, retried with the same seq until acknowledged, under a
  // source of this process alone (so its seqs never collide with the disk buffer's across
  // restarts). Counts keep accumulating in the counters meanwhile, so nothing is counted twice.
  const memorySource = `${buffer.source}~${randomBytes(4).toString('hex')}`;
  let memorySeq = 0;
  let held: PushedWindow | undefined;
  /** True once a send of `held` may have reached the collector: it must then keep its seq. */
  let heldMaybeDelivered = false;

  const fail = (message: string) => {
    lastError = message;
    o.onError?.(message);
  };

  async function closeWindow(): Promise<void> {
    if (held && !heldMaybeDelivered) {
      // The disk may have room again: a window held in memory goes back to the durable buffer.
      const { source: _s, seq: _q, ...window } = held;
      try {
        await buffer.append(window);
        held = undefined;
      } catch {
        // still no room: it stays in memory
      }
    }
    let cur: CountsSnapshot;
    try {
      cur = await o.snapshot();
    } catch (err) {
      fail(`snapshot failed: ${(err as Error).message}`);
      return;
    }
    const end = now();
    const delta = snapshotDelta(prev, cur);
    if (!isEmptyWindow(delta)) {
      const window = {
        model: o.model,
        ...(cur.modelVersion !== undefined ? { modelVersion: cur.modelVersion } : {}),
        ...(cur.variant !== undefined ? { variant: cur.variant } : {}),
        ...(cur.baselineVersion !== undefined ? { baselineVersion: cur.baselineVersion } : {}),
        start: new Date(windowStart).toISOString(),
        end: new Date(end).toISOString(),
        ...delta,
      };
      try {
        await buffer.append(window);
      } catch (err) {
        // A window still waiting in memory: these counts roll into the next window instead.
        if (held) throw err;
        held = { source: memorySource, seq: memorySeq++, ...window };
        heldMaybeDelivered = false;
        fail(`buffering a window failed (${(err as Error).message}); sending it from memory`);
      }
    }
    // Only once the window is on disk: if writing failed, its counts roll into the next window.
    prev = cur;
    windowStart = end;
  }

  /**
   * Sends one window body; true when it is done with (acknowledged, or refused for good).
   * `onUncertain` hears of a failure after which the collector may have stored the window anyway.
   */
  async function send(body: string, seq: number, onUncertain: () => void = () => {}): Promise<boolean> {
    let status: number;
    try {
      const res = await fetch(url, { ...o.fetchOptions, method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code !== 'ECONNREFUSED' && code !== 'ENOTFOUND' && code !== 'EHOSTUNREACH' && code !== 'ENETUNREACH') onUncertain();
      fail(`collector unreachable at ${url.origin}: ${(err as Error).message}`);
      return false;
    }
    if (status >= 200 && status < 300) {
      sent += 1;
      lastError = undefined;
      return true;
    }
    if (isPermanentRejection(status)) {
      rejected += 1;
      fail(`collector rejected window ${seq} with HTTP ${status}; dropped`);
      return true;
    }
    fail(`collector answered HTTP ${status}; window ${seq} kept for retry`);
    return false;
  }

  async function sendAll(): Promise<void> {
    if (held) {
      if (!(await send(JSON.stringify(held), held.seq, () => (heldMaybeDelivered = true)))) return;
      held = undefined;
      heldMaybeDelivered = false;
    }
    for (;;) {
      const next = await buffer.oldest();
      if (!next) return;
      if (!(await send(next.body, next.seq))) return;
      await buffer.remove(next.seq);
    }
  }

  // One flush at a time, so windows always leave in order and a window is never sent twice concurrently.
  const flush = (): Promise<void> => (flushing ??= sendAll().finally(() => { flushing = undefined; }));

  const tick = (): Promise<void> => {
    ticking = ticking.then(async () => {
      try {
        await closeWindow();
      } catch (err) {
        fail(`buffering a window failed: ${(err as Error).message}`);
      }
      await flush();
    });
    return ticking;
  };

  // Counts before the first tick are the process's cumulative counts: prev stays undefined so the
  // first window carries them all.
  // A timer tick while the previous one is still sending (slow collector) is skipped rather than
  // queued: the next window's delta covers the skipped period, and ticks never pile up.
  let timerTickRunning = false;
  const timer = setInterval(() => {
    if (timerTickRunning) return;
    timerTickRunning = true;
    void tick().finally(() => { timerTickRunning = false; });
  }, intervalMs);
  timer.unref();

  return {
    tick,
    flush,
    stats: () => ({
      source: buffer.source,
      buffered: buffer.size + (held ? 1 : 0),
      bufferedBytes: buffer.sizeBytes,
      dropped: buffer.dropped,
      rejected,
      sent,
      ...(lastError !== undefined ? { lastError } : {}),
    }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await tick();
      if (held) fail(`window ${held.seq} (${held.rows} rows) could neither be buffered on disk nor sent: it is lost`);
    },
  };
}

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
  if (!(intervalMs >= 100)) throw new Error(`MW_ERR_PUSH_INTERVAL: intervalMs must be >= 100, got ${intervalMs}`);
  let base: URL;
  try {
    base = new URL(o.collectorUrl);
  } catch {
    throw new Error(`MW_ERR_PUSH_COLLECTOR: collector URL ${JSON.stringify(o.collectorUrl)} is not a URL (e.g. http://127.0.0.1:9400)`);
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

  const fail = (message: string) => {
    lastError = message;
    o.onError?.(message);
  };

  async function closeWindow(): Promise<void> {
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
      await buffer.append({
        model: o.model,
        ...(cur.modelVersion !== undefined ? { modelVersion: cur.modelVersion } : {}),
        ...(cur.variant !== undefined ? { variant: cur.variant } : {}),
        ...(cur.baselineVersion !== undefined ? { baselineVersion: cur.baselineVersion } : {}),
        start: new Date(windowStart).toISOString(),
        end: new Date(end).toISOString(),
        ...delta,
      });
    }
    // Only once the window is on disk: if writing failed, its counts roll into the next window.
    prev = cur;
    windowStart = end;
  }

  async function sendAll(): Promise<void> {
    for (;;) {
      const next = await buffer.oldest();
      if (!next) return;
      let status: number;
      try {
        const res = await fetch(url, { ...o.fetchOptions, method: 'POST', headers, body: next.body, signal: AbortSignal.timeout(timeoutMs) });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        fail(`collector unreachable at ${url.origin}: ${(err as Error).message}`);
        return;
      }
      if (status >= 200 && status < 300) {
        sent += 1;
        lastError = undefined;
        await buffer.remove(next.seq);
      } else if (isPermanentRejection(status)) {
        rejected += 1;
        fail(`collector rejected window ${next.seq} with HTTP ${status}; dropped`);
        await buffer.remove(next.seq);
      } else {
        fail(`collector answered HTTP ${status}; window ${next.seq} kept for retry`);
        return;
      }
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
      buffered: buffer.size,
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
    },
  };
}

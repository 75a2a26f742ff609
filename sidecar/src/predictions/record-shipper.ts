import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PredictionRecord } from '@modelwatch/core';
import { DiskWindowBuffer } from '../push/disk-buffer.js';

/**
 * Ships record batches to the collector through the window push's bounded on-disk
 * store-and-forward: a batch is written durably first, then sent oldest first, and deleted only
 * once the collector acknowledged it. A lost answer means a resend, which the collector drops as
 * duplicates by record id: at-least-once on the wire, exactly once in the store.
 */
export interface RecordShipperOptions {
  collectorUrl: string;
  model: string;
  token?: string;
  bufferDir: string;
  maxBatches?: number;
  maxBytes?: number;
  requestTimeoutMs?: number;
  onError?: (message: string) => void;
  /** The collector route batches go to: the prediction log, or the review queue (same store-and-forward). */
  resource?: 'predictions' | 'review';
  /** Extra fetch options, e.g. a dispatcher trusting the collector's private CA. */
  fetchOptions?: Record<string, unknown>;
}

export interface ShipperStats {
  /** Records written to the disk buffer. */
  buffered: number;
  sent: number;
  /** Records dropped because the disk buffer was full (oldest batches first). */
  droppedBufferFull: number;
  /** Records in batches the collector refused as invalid (removed, not retried). */
  rejected: number;
  bufferedBatches: number;
  lastError?: string;
}

const BATCH_FILE = /^(\d{16})\.json$/;

function isPermanentRejection(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 404, 408, 425, 429].includes(status);
}

export class RecordShipper {
  private readonly counts = new Map<number, number>();
  private sending: Promise<void> | undefined;
  private readonly s: Omit<ShipperStats, 'bufferedBatches'> = { buffered: 0, sent: 0, droppedBufferFull: 0, rejected: 0 };

  private constructor(
    private readonly buffer: DiskWindowBuffer,
    private readonly url: URL,
    private readonly headers: Record<string, string>,
    private readonly timeoutMs: number,
    private readonly onError: ((message: string) => void) | undefined,
    private readonly fetchOptions: Record<string, unknown> = {},
  ) {}

  static async open(o: RecordShipperOptions): Promise<RecordShipper> {
    let base: URL;
    try {
      base = new URL(o.collectorUrl);
    } catch {
      throw new Error(`collector URL ${JSON.stringify(o.collectorUrl)} is not a URL`);
    }
    const url = new URL(`api/v1/models/${encodeURIComponent(o.model)}/${o.resource ?? 'predictions'}`, base.href.endsWith('/') ? base : `${base.href}/`);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let shipper: RecordShipper | undefined;
    const buffer = await DiskWindowBuffer.open({
      dir: o.bufferDir,
      maxWindows: o.maxBatches ?? 10_000,
      maxBytes: o.maxBytes ?? 256 * 1024 * 1024,
      onDrop: (seq) => shipper?.dropped(seq),
    });
    shipper = new RecordShipper(buffer, url, headers, o.requestTimeoutMs ?? 10_000, o.onError, o.fetchOptions);
    // Batches left by a previous process: their record counts, so drops and sends are counted in records.
    const dir = join(o.bufferDir, 'windows');
    for (const name of await readdir(dir)) {
      const m = BATCH_FILE.exec(name);
      if (!m) continue;
      const doc = JSON.parse(await readFile(join(dir, name), 'utf8').catch(() => '{}')) as { records?: unknown[] };
      shipper.counts.set(Number(m[1]), doc.records?.length ?? 0);
    }
    return shipper;
  }

  private dropped(seq: number): void {
    this.s.droppedBufferFull += this.counts.get(seq) ?? 0;
    this.counts.delete(seq);
  }

  private fail(message: string): void {
    this.s.lastError = message;
    this.onError?.(message);
  }

  /** Writes one batch durably (it survives a restart from here on); `extra` fields go in the batch body. */
  async store(records: readonly PredictionRecord[], extra: Record<string, unknown> = {}): Promise<void> {
    if (records.length === 0) return;
    // Counted before the write: appending may drop older batches, or this one if the buffer is tiny.
    await this.buffer.appendDocument((_source, seq) => {
      this.counts.set(seq, records.length);
      return JSON.stringify({ ...extra, records });
    });
    this.s.buffered += records.length;
  }

  /** Sends buffered batches oldest first until empty or a send fails; one send loop at a time. */
  send(): Promise<void> {
    return (this.sending ??= this.sendAll().finally(() => {
      this.sending = undefined;
    }));
  }

  private async sendAll(): Promise<void> {
    for (;;) {
      const next = await this.buffer.oldest();
      if (!next) return;
      let status: number;
      try {
        const res = await fetch(this.url, { ...this.fetchOptions, method: 'POST', headers: this.headers, body: next.body, signal: AbortSignal.timeout(this.timeoutMs) });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        this.fail(`prediction log: collector unreachable at ${this.url.origin}: ${(err as Error).message}`);
        return;
      }
      const n = this.counts.get(next.seq) ?? 0;
      if (status >= 200 && status < 300) {
        this.s.sent += n;
        delete this.s.lastError;
      } else if (isPermanentRejection(status)) {
        this.s.rejected += n;
        this.fail(`prediction log: collector refused batch ${next.seq} with HTTP ${status}; dropped`);
      } else {
        this.fail(`prediction log: collector answered HTTP ${status}; batch ${next.seq} kept for retry`);
        return;
      }
      this.counts.delete(next.seq);
      await this.buffer.remove(next.seq);
    }
  }

  stats(): ShipperStats {
    return { ...this.s, bufferedBatches: this.buffer.size };
  }
}

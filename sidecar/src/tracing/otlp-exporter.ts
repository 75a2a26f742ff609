import http from 'node:http';
import https from 'node:https';
import { encodeJson, encodeProtobuf, ProtobufEnvelope, type TraceEnvelope } from './otlp-encoding.js';
import { ProtoWriter } from './proto-writer.js';
import type { SpanRecord } from './span-record.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpExporterOptions {
  /** Full URL of the traces endpoint (…/v1/traces). */
  url: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  /** Per export request (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT). */
  timeoutMs: number;
  /** Spans waiting for export; over it new spans are dropped and counted (OTEL_BSP_MAX_QUEUE_SIZE). */
  maxQueueSize: number;
  /** Spans per request; a full batch is sent at once (OTEL_BSP_MAX_EXPORT_BATCH_SIZE). */
  maxBatchSize: number;
  /** A partial batch waits at most this long (OTEL_BSP_SCHEDULE_DELAY). */
  scheduleDelayMs: number;
  /** Export requests in flight at once (each holds one encoding buffer and one keep-alive socket). */
  maxConcurrentExports?: number;
  envelope: TraceEnvelope;
  /** A batch the endpoint did not take (refused, down, too slow): its spans are lost. */
  onExportFailure?: (spans: number, error: Error) => void;
  /** Spans dropped because the queue was full, reported in sums off the request path. */
  onDropped?: (spans: number) => void;
}

/**
 * Batches span records and posts them to an OTLP/HTTP endpoint, off the request path: `add` only
 * appends to a bounded array (or counts a drop), encoding and I/O run from a timer or setImmediate.
 * Protobuf is encoded into reused buffers (one per concurrent export) and sent over keep-alive
 * sockets; a failed batch is reported, never retried, never thrown.
 */
export class BatchOtlpExporter {
  private queue: SpanRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate = false;
  private inFlight = 0;
  private readonly writers: ProtoWriter[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly envelope: ProtobufEnvelope;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly maxConcurrent: number;
  private readonly headers: Record<string, string>;
  private unreportedDrops = 0;
  private closed = false;
  /** Totals since start (benchmarks and tests read them; operators read the metrics). */
  readonly stats = { exported: 0, failed: 0, dropped: 0, requests: 0 };

  constructor(private readonly options: OtlpExporterOptions) {
    this.envelope = new ProtobufEnvelope(options.envelope);
    this.maxConcurrent = Math.max(1, options.maxConcurrentExports ?? 2);
    const secure = new URL(options.url).protocol === 'https:';
    this.agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: this.maxConcurrent });
    this.request = secure ? https.request : http.request;
    this.headers = {
      ...options.headers,
      'content-type': options.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
    };
  }

  /** Queues a finished span; O(1), never throws, never waits. */
  add(span: SpanRecord): void {
    const q = this.queue;
    if (q.length >= this.options.maxQueueSize || this.closed) {
      this.stats.dropped++;
      this.unreportedDrops++;
      return;
    }
    q.push(span);
    if (q.length >= this.options.maxBatchSize) {
      if (!this.immediate && this.inFlight < this.maxConcurrent) {
        this.immediate = true;
        setImmediate(this.onImmediate);
      }
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, this.options.scheduleDelayMs);
      this.timer.unref();
    }
  }

  private readonly onImmediate = (): void => {
    this.immediate = false;
    this.exportBatches(false);
  };

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.exportBatches(true);
  };

  /** Sends full batches (and, when `partial`, what is left) while export slots are free. */
  private exportBatches(partial: boolean): void {
    this.reportDrops();
    const size = this.options.maxBatchSize;
    while (this.inFlight < this.maxConcurrent && (this.queue.length >= size || (partial && this.queue.length > 0))) {
      const n = Math.min(size, this.queue.length);
      const batch = this.queue.length === n ? this.queue : this.queue.slice(0, n);
      this.queue = this.queue.length === n ? [] : this.queue.slice(n);
      this.send(batch);
    }
    if (this.queue.length > 0 && this.timer === undefined && !this.closed) {
      this.timer = setTimeout(this.onTimer, this.options.scheduleDelayMs);
      this.timer.unref();
    }
  }

  private reportDrops(): void {
    if (this.unreportedDrops === 0) return;
    const n = this.unreportedDrops;
    this.unreportedDrops = 0;
    try {
      this.options.onDropped?.(n);
    } catch {
      // reporting is best effort
    }
  }

  private send(batch: SpanRecord[]): void {
    this.inFlight++;
    this.stats.requests++;
    const writer = this.options.protocol === 'http/json' ? undefined : this.writers.pop() ?? new ProtoWriter();
    let finished = false;
    const done = (error: Error | undefined) => {
      if (finished) return;
      finished = true;
      this.inFlight--;
      if (writer) this.writers.push(writer);
      if (error) {
        this.stats.failed += batch.length;
        try {
          this.options.onExportFailure?.(batch.length, error);
        } catch {
          // reporting is best effort
        }
      } else {
        this.stats.exported += batch.length;
      }
      for (const w of this.waiters.splice(0)) w();
      if (!this.closed) this.exportBatches(false);
    };
    let body: Buffer | string;
    try {
      body = writer ? encodeProtobuf(writer, this.envelope, batch) : encodeJson(this.options.envelope, batch);
    } catch (err) {
      done(err as Error);
      return;
    }
    const req = this.request(this.options.url, {
      method: 'POST',
      agent: this.agent,
      headers: { ...this.headers, 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length },
      timeout: this.options.timeoutMs,
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.on('error', (err) => done(err));
      res.on('end', () => done(status >= 200 && status < 300 ? undefined : new Error(`OTLP endpoint answered HTTP ${status}`)));
      res.resume();
    });
    req.on('timeout', () => req.destroy(new Error(`OTLP export timed out after ${this.options.timeoutMs} ms`)));
    req.on('error', (err) => done(err));
    req.end(body);
  }

  /** Exports everything queued and waits for the requests in flight. */
  async forceFlush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) {
      const wait = new Promise<void>((resolve) => this.waiters.push(resolve));
      this.exportBatches(true);
      await wait;
    }
    this.reportDrops();
  }

  /** Flushes, then refuses new spans (counted as dropped) and closes the sockets. */
  async shutdown(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.forceFlush();
    } finally {
      this.closed = true;
      this.agent.destroy();
    }
  }
}

import { JSON_TAIL, jsonRequestHead, jsonSpan, protobufHeader, ProtobufEnvelope, writeSpan, type TraceEnvelope } from './otlp-encoding.js';
import { HttpPoster, type BatchPoster } from './otlp-http-poster.js';
import { ThreadPoster } from './otlp-thread-poster.js';
import { ProtoWriter } from './proto-writer.js';
import type { SpanRecord } from './span-record.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface OtlpExporterOptions {
  /** Full URL of the traces endpoint (…/v1/traces). */
  url: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  /** https endpoints: CA bundle to verify the endpoint, client certificate and key (mTLS), PEM. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
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
  /** Post batches from a worker thread (MODELWATCH_TRACE_EXPORT_THREAD=1): encoding stays here, the socket writes leave. */
  exportThread?: boolean;
  envelope: TraceEnvelope;
  /** A batch the endpoint did not take (refused, down, too slow): its spans are lost. */
  onExportFailure?: (spans: number, error: Error) => void;
  /** Spans dropped because the queue was full, reported in sums off the request path. */
  onDropped?: (spans: number) => void;
}

/** Spans encoded as they ended, waiting to leave together: protobuf, or JSON array elements, in a reused writer. */
interface Batch {
  spans: number;
  writer: ProtoWriter;
}

/**
 * Encodes spans as they end and posts them in batches to an OTLP/HTTP endpoint. `add` encodes
 * the span into the current batch (about a microsecond, measured) or counts a drop when the
 * bounded queue is full; sending runs from a timer or setImmediate. Encoding at once instead of
 * keeping span objects until the batch leaves is what makes tracing cheap in the process: the
 * records die young, where holding thousands of them for tens of milliseconds promoted them out
 * of the young generation and doubled GC time (profile in docs/performance.md). Protobuf goes
 * into reused buffers (one per batch in flight), over keep-alive sockets; a failed batch is
 * reported, never retried, never thrown.
 */
export class BatchOtlpExporter {
  private pending: Batch;
  private readonly ready: Batch[] = [];
  /** Spans encoded and not yet handed to a request (pending + ready): what maxQueueSize bounds. */
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate = false;
  private inFlight = 0;
  private readonly writers: ProtoWriter[] = [];
  private readonly header = new ProtoWriter(256);
  private readonly waiters: (() => void)[] = [];
  private readonly envelope: ProtobufEnvelope;
  private readonly poster: BatchPoster;
  private readonly maxConcurrent: number;
  private readonly json: boolean;
  /** OTLP/JSON up to the spans array, made once. */
  private readonly jsonHead: Uint8Array;
  private unreportedDrops = 0;
  private closed = false;
  /** Totals since start (benchmarks and tests read them; operators read the metrics). */
  readonly stats = { exported: 0, failed: 0, dropped: 0, requests: 0 };

  constructor(private readonly options: OtlpExporterOptions) {
    this.envelope = new ProtobufEnvelope(options.envelope);
    this.json = options.protocol === 'http/json';
    this.jsonHead = Buffer.from(jsonRequestHead(options.envelope));
    this.maxConcurrent = Math.max(1, options.maxConcurrentExports ?? 2);
    const posterOptions = {
      url: options.url,
      headers: { ...options.headers, 'content-type': this.json ? 'application/json' : 'application/x-protobuf' },
      timeoutMs: options.timeoutMs,
      maxConcurrent: this.maxConcurrent,
      ...(options.tls ? { tls: options.tls } : {}),
    };
    this.poster = options.exportThread ? new ThreadPoster(posterOptions) : new HttpPoster(posterOptions);
    this.pending = this.newBatch();
  }

  private newBatch(): Batch {
    return { spans: 0, writer: this.writers.pop() ?? new ProtoWriter() };
  }

  /** Encodes a finished span into the current batch; never throws, never waits. */
  add(span: SpanRecord): void {
    if (this.queued >= this.options.maxQueueSize || this.closed) {
      this.drop();
      return;
    }
    const b = this.pending;
    const mark = b.writer.pos;
    try {
      if (this.json) {
        // JSON bytes go off-heap at once too: a string per span kept until the batch leaves is the GC cost avoided above.
        if (b.spans > 0) b.writer.utf8(',');
        b.writer.utf8(jsonSpan(span));
      } else {
        writeSpan(b.writer, span);
      }
    } catch {
      // A value the encoder cannot take: lose the span, never the request.
      b.writer.pos = mark;
      this.drop();
      return;
    }
    b.spans++;
    this.queued++;
    if (b.spans >= this.options.maxBatchSize) {
      this.ready.push(b);
      this.pending = this.newBatch();
      if (!this.immediate && this.inFlight < this.maxConcurrent) {
        this.immediate = true;
        setImmediate(this.onImmediate);
      }
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, this.options.scheduleDelayMs);
      this.timer.unref();
    }
  }

  private drop(): void {
    this.stats.dropped++;
    this.unreportedDrops++;
    // Drops are reported in sums from the timer: while every slot hangs, nothing else would run.
    if (this.timer === undefined && !this.closed) {
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

  /** Sends the full batches (and, when `partial`, the one being filled) while export slots are free. */
  private exportBatches(partial: boolean): void {
    this.reportDrops();
    if (partial && this.pending.spans > 0) {
      this.ready.push(this.pending);
      this.pending = this.newBatch();
    }
    while (this.inFlight < this.maxConcurrent && this.ready.length > 0) this.send(this.ready.shift()!);
    if (this.queued > 0 && this.timer === undefined && !this.closed) {
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

  private send(batch: Batch): void {
    this.inFlight++;
    this.queued -= batch.spans;
    this.stats.requests++;
    let finished = false;
    const done = (error: Error | undefined) => {
      if (finished) return;
      finished = true;
      this.inFlight--;
      batch.writer.reset();
      this.writers.push(batch.writer);
      if (error) {
        this.stats.failed += batch.spans;
        try {
          this.options.onExportFailure?.(batch.spans, error);
        } catch {
          // reporting is best effort
        }
      } else {
        this.stats.exported += batch.spans;
      }
      for (const w of this.waiters.splice(0)) w();
      if (!this.closed) this.exportBatches(false);
    };
    let head: Uint8Array;
    if (this.json) {
      head = this.jsonHead;
      batch.writer.utf8(JSON_TAIL);
    } else {
      head = protobufHeader(this.header, this.envelope, batch.writer.pos);
    }
    this.poster.post(head, batch.writer.bytes(), (error, returned) => {
      // Back from the export thread: the writer's buffer again.
      if (returned) batch.writer.buf = Buffer.from(returned);
      done(error);
    });
  }

  /** Exports everything queued and waits for the requests in flight. */
  async forceFlush(): Promise<void> {
    while (this.queued > 0 || this.inFlight > 0) {
      const wait = new Promise<void>((resolve) => this.waiters.push(resolve));
      this.exportBatches(true);
      await wait;
    }
    this.reportDrops();
  }

  /**
   * Flushes for at most `timeoutMs`, then refuses new spans (counted as dropped) and closes the
   * sockets: a hanging endpoint cannot hold the sidecar's shutdown. What had not left by then is
   * reported as a failed export; requests still in flight are aborted and reported as they fail.
   */
  async shutdown(timeoutMs = 5_000): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    let deadline: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => {
      deadline = setTimeout(() => resolve(true), timeoutMs);
      deadline.unref();
    });
    try {
      const timedOut = await Promise.race([this.forceFlush().then(() => false), expired]);
      this.closed = true;
      if (timedOut && this.queued > 0) {
        const lost = this.queued;
        this.queued = 0;
        this.ready.length = 0;
        this.pending = this.newBatch();
        this.stats.failed += lost;
        try {
          this.options.onExportFailure?.(lost, new Error(`shutdown: the OTLP endpoint did not take ${lost} spans within ${timeoutMs} ms`));
        } catch {
          // reporting is best effort
        }
      }
    } finally {
      clearTimeout(deadline);
      this.closed = true;
      this.poster.close();
    }
  }
}

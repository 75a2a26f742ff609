import type { IncomingHttpHeaders } from 'node:http';
import { isPredictionId, Label, newPredictionId, SidecarPredictionLog } from '@modelwatch/core';
import { header } from '../metrics/exposition.js';
import type { InputBatch, OutputBatch } from '../protocols/types.js';
import type { PrivacyPolicy } from './privacy.js';
import { buildRecords, type PendingAnswer, type RecordIdentity } from './record-builder.js';
import type { RecordShipper } from './record-shipper.js';
import { markOipBody } from '../review/review-marker.js';

/** Response header carrying the prediction id on every answer. */
export const PREDICTION_ID_HEADER = 'x-modelwatch-prediction-id';
/** A client's own request id, honoured as the prediction id when it is a valid id. */
const REQUEST_ID_HEADER = 'x-request-id';

export interface PredictionLogOptions {
  identity: RecordIdentity;
  /** Share of answers recorded (ids and outputs), 0 to 1. */
  sampleOutputs: number;
  /** Share of recorded answers whose inputs are recorded too, 0 to 1. */
  sampleInputs: number;
  /** Bound on answers waiting for the next flush; beyond it answers are not recorded, and counted. */
  maxPending: number;
  /** A flush starts early when this many answers wait. */
  batchSize: number;
  flushIntervalMs: number;
  privacy: PrivacyPolicy;
  /** Class names of probability outputs, by index (ONNX metadata). */
  classLabels?: readonly string[];
  log?: (message: string) => void;
}

/** Partial automation's hook (sidecar/src/review/): marks the answers a person must look at. */
export interface AnswerReview {
  answered(ex: AnsweringExchange, id: string, inputs: InputBatch | undefined, outputs: OutputBatch | undefined): boolean;
}

/** What an exchange exposes to the log: its answer headers and its trace. */
export interface AnsweringExchange {
  readonly traceHeaders: Record<string, string>;
  readonly span?: { readonly traceId: string } | undefined;
}

function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The request-path side of the prediction log. `answered()` is the one call a handler makes per
 * exchange: it picks the prediction id (the client's, else a new UUIDv7), puts it on the answer's
 * headers, and for the sampled share queues references to the parsed batches. Nothing is copied,
 * formatted, hashed or written here: records are built, privacy-filtered and shipped by `flush()`,
 * off the request path (bench/prediction-log.bench.ts measures the per-answer cost).
 */
export class PredictionLog {
  private pending: PendingAnswer[] = [];
  private droppedQueueFull = 0;
  private buildFailed = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private readonly recording: boolean;
  private readonly inputsNeeded: boolean;
  /** Set by the server when a review rule is configured. */
  review: AnswerReview | undefined;

  constructor(
    private readonly o: PredictionLogOptions,
    private readonly shipper: RecordShipper | undefined,
  ) {
    // Decided once: without a shipper the log only hands out ids.
    this.recording = shipper !== undefined && o.sampleOutputs > 0;
    this.inputsNeeded = o.sampleInputs > 0 || o.privacy.subjectField !== undefined;
  }

  /**
   * Gives the answer its prediction id and queues it for recording when sampled. `requestId` is
   * the client's id from the body (OIP `id`), honoured like the headers. Never throws.
   */
  answered(ex: AnsweringExchange, headers: IncomingHttpHeaders, inputs: InputBatch | undefined, outputs: OutputBatch | undefined, requestId?: string): string {
    const supplied = firstHeader(headers, PREDICTION_ID_HEADER) ?? requestId ?? firstHeader(headers, REQUEST_ID_HEADER);
    const id = supplied !== undefined && isPredictionId(supplied) ? supplied : newPredictionId();
    ex.traceHeaders[PREDICTION_ID_HEADER] = id;
    this.review?.answered(ex, id, inputs, outputs);
    if (!this.recording || (this.o.sampleOutputs < 1 && Math.random() >= this.o.sampleOutputs)) return id;
    if (this.pending.length >= this.o.maxPending) {
      this.droppedQueueFull += Math.max(1, outputs?.rows ?? 1);
      return id;
    }
    const keepInputs = this.o.sampleInputs > 0 && (this.o.sampleInputs >= 1 || Math.random() < this.o.sampleInputs);
    const p: PendingAnswer = { id, timeMs: Date.now(), keepInputs };
    if (ex.span) p.traceId = ex.span.traceId;
    if (inputs && this.inputsNeeded) p.inputs = inputs;
    if (outputs) p.outputs = outputs;
    this.pending.push(p);
    if (this.pending.length >= this.o.batchSize && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    }
    return id;
  }

  /**
   * Proxy mode's one call: `answered()` with the request's own id taken from the batch, and the
   * upstream body with the id put in where the protocol has a place for it (OIP `id`).
   */
  answeredBody(ex: AnsweringExchange, headers: IncomingHttpHeaders, inputs: InputBatch | undefined, outputs: OutputBatch | undefined, body: Buffer, protocol: string): Buffer {
    const id = this.answered(ex, headers, inputs, outputs, inputs?.requestId);
    if (protocol !== 'oip') return body;
    const withId = this.oipBody(body, id);
    return this.review ? markOipBody(ex, withId) : withId;
  }

  /**
   * An OIP response body with the prediction id as its `id`, when the model server left it out
   * (a body that already mentions `"id"` anywhere is left as it is: never two `id` keys).
   */
  oipBody(body: Buffer, id: string): Buffer {
    if (body.length < 2 || body[0] !== 0x7b || body.includes('"id"')) return body;
    const head = Buffer.from(`{"id":${JSON.stringify(id)}${body[1] === 0x7d ? '' : ','}`);
    return Buffer.concat([head, body.subarray(1)]);
  }

  /** Takes what waits for recording (the flush's input; benchmarks drain with it too). */
  drain(): PendingAnswer[] {
    const batch = this.pending;
    this.pending = [];
    return batch;
  }

  start(): void {
    if (!this.recording) return;
    this.timer = setInterval(() => void this.flush(), this.o.flushIntervalMs);
    this.timer.unref();
  }

  /** Builds records from what waits, writes them to the disk buffer, then sends what is buffered. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      this.flushScheduled = false;
      if (!this.shipper) return;
      const batch = this.drain();
      const records = [];
      for (const p of batch) {
        try {
          records.push(...buildRecords(p, this.o.identity, this.o.privacy, this.o.classLabels));
        } catch (err) {
          this.buildFailed++;
          this.o.log?.(`prediction log: a record could not be built: ${(err as Error).message}`);
        }
      }
      try {
        for (let i = 0; i < records.length; i += this.o.batchSize) await this.shipper.store(records.slice(i, i + this.o.batchSize));
      } catch (err) {
        this.o.log?.(`prediction log: writing the buffer failed: ${(err as Error).message}`);
      }
      await this.shipper.send();
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** The log's counters for /metrics; `identity` is the rendered identity label set. */
  render(identity: string, out: string[]): void {
    if (!this.shipper) return;
    const s = this.shipper.stats();
    const r = SidecarPredictionLog.records;
    out.push(header(r.name, 'counter', r.help));
    for (const [outcome, v] of [['buffered', s.buffered], ['sent', s.sent], ['rejected', s.rejected]] as const) {
      out.push(`${r.name}{${identity},${Label.outcome}="${outcome}"} ${v}\n`);
    }
    const d = SidecarPredictionLog.dropped;
    out.push(header(d.name, 'counter', d.help));
    for (const [reason, v] of [['queue_full', this.droppedQueueFull], ['buffer_full', s.droppedBufferFull], ['build_failed', this.buildFailed]] as const) {
      out.push(`${d.name}{${identity},${Label.reason}="${reason}"} ${v}\n`);
    }
    const b = SidecarPredictionLog.bufferedBatches;
    out.push(header(b.name, 'gauge', b.help), `${b.name}{${identity}} ${s.bufferedBatches}\n`);
  }
}

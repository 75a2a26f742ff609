import type { IncomingHttpHeaders } from 'node:http';
import { isPredictionId, Label, newPredictionId, SidecarPredictionLog } from '@modelwatch/core';
import { header } from '../metrics/exposition.js';
import type { InputBatch, OutputBatch } from '../protocols/types.js';
import type { PrivacyPolicy } from './privacy.js';
import { buildRecords, type PendingAnswer, type RecordIdentity, type VariantOfAnswer } from './record-builder.js';
import type { RecordShipper } from './record-shipper.js';

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

const ID_KEY = Buffer.from('"id"');
/** `{"id":"` */
const ID_HEAD = Buffer.from('{"id":"');

/**
 * `body` with `"id":<id>,` after its opening brace, unless it does not start with `{` or mentions
 * `"id"` anywhere (never two `id` keys). The output is written byte by byte into one buffer (a
 * prediction id is printable ASCII, JSON.stringify would only add the quotes): one allocation and
 * one copy per forwarded request, where Buffer.from + Buffer.concat made three buffers. An id that
 * JSON must escape is written by JSON.stringify instead.
 */
export function oipBodyWithId(body: Buffer, id: string): Buffer {
  if (body.length < 2 || body[0] !== 0x7b || body.indexOf(ID_KEY) >= 0) return body;
  const comma = body[1] === 0x7d ? 0 : 1;
  const n = ID_HEAD.length + id.length + 1 + comma;
  const out = Buffer.allocUnsafe(n + body.length - 1);
  ID_HEAD.copy(out, 0);
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return escapedOipBody(body, id, comma);
    out[ID_HEAD.length + i] = c;
  }
  out[n - 1 - comma] = 0x22;
  if (comma === 1) out[n - 1] = 0x2c;
  body.copy(out, n, 1);
  return out;
}

function escapedOipBody(body: Buffer, id: string, comma: number): Buffer {
  const head = Buffer.from(`{"id":${JSON.stringify(id)}${comma === 1 ? ',' : ''}`);
  return Buffer.concat([head, body.subarray(1)]);
}

/** What a request handler calls on the log (see PredictionLog for each method). */
export type PredictionRecorder = Pick<PredictionLog, 'predictionId' | 'oipBody' | 'answered' | 'record' | 'reviewing'> & {
  /** Partial automation: marks the answer when a row needs a human; true when it did. */
  markForReview(ex: AnsweringExchange, id: string, inputs: InputBatch | undefined, outputs: OutputBatch | undefined): boolean;
  /**
   * Shadow automation: an answer the model gave off the path (the caller had a 202 with `id`) is
   * recorded, unsampled, and queued for a person. Never throws.
   */
  shadowAnswered(id: string, inputs: InputBatch | undefined, outputs: OutputBatch | undefined): void;
};

/** Shadow automation's hook (sidecar/src/review/): every answer goes to a person. */
export interface ShadowReview {
  shadowAnswered(id: string, inputs: InputBatch | undefined, outputs: OutputBatch | undefined, variant?: VariantOfAnswer): void;
}

/** The exchange of an answer given off the path: no headers go anywhere, no span. */
const OFF_PATH: AnsweringExchange = { traceHeaders: {} };

/** Partial automation's hook (sidecar/src/review/): marks the answers a person must look at. */
export interface AnswerReview {
  answered(ex: AnsweringExchange, id: string, inputs: InputBatch | undefined, outputs: OutputBatch | undefined, variant?: VariantOfAnswer): boolean;
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
  /** Set by the server, before any handler exists, when a review rule is configured. */
  review: AnswerReview | undefined;
  /** Set by the server when a review queue is set up (shadow automation sends every answer to it). */
  shadowReview: ShadowReview | undefined;

  constructor(
    private readonly o: PredictionLogOptions,
    private readonly shipper: RecordShipper | undefined,
  ) {
    // Decided once: without a shipper the log only hands out ids.
    this.recording = shipper !== undefined && o.sampleOutputs > 0;
    this.inputsNeeded = o.sampleInputs > 0 || o.privacy.subjectField !== undefined;
  }

  /** True when records are shipped to the collector (its counters then go on /metrics). */
  get shipping(): boolean {
    return this.shipper !== undefined;
  }

  /**
   * Gives the answer its prediction id and queues it for recording when sampled. `requestId` is
   * the client's id from the body (OIP `id`), honoured like the headers. Never throws.
   */
  answered(ex: AnsweringExchange, headers: IncomingHttpHeaders, inputs: InputBatch | undefined, outputs: OutputBatch | undefined, requestId?: string): string {
    const id = this.predictionId(headers, requestId);
    ex.traceHeaders[PREDICTION_ID_HEADER] = id;
    this.review?.answered(ex, id, inputs, outputs);
    this.record(ex, id, inputs, outputs);
    return id;
  }

  /** True when answers are checked for review: a proxy then holds the answer until it is checked. */
  get reviewing(): boolean {
    return this.review !== undefined;
  }

  /** The answer's prediction id: the client's (header, body id, x-request-id) when valid, else a new UUIDv7. */
  predictionId(headers: IncomingHttpHeaders, requestId?: string): string {
    const supplied = firstHeader(headers, PREDICTION_ID_HEADER) ?? requestId ?? firstHeader(headers, REQUEST_ID_HEADER);
    return supplied !== undefined && isPredictionId(supplied) ? supplied : newPredictionId();
  }

  /**
   * Queues an answered prediction for recording when sampled (the proxy calls it after the client
   * has its answer; `answered()` calls it for the embedded server). Never throws.
   */
  record(ex: AnsweringExchange, id: string, inputs: InputBatch | undefined, outputs: OutputBatch | undefined, variant?: VariantOfAnswer, unsampled = false): void {
    if (!this.recording || (!unsampled && this.o.sampleOutputs < 1 && Math.random() >= this.o.sampleOutputs)) return;
    if (this.pending.length >= this.o.maxPending) {
      this.droppedQueueFull += Math.max(1, outputs?.rows ?? 1);
      return;
    }
    const keepInputs = this.o.sampleInputs > 0 && (this.o.sampleInputs >= 1 || Math.random() < this.o.sampleInputs);
    const p: PendingAnswer = { id, timeMs: Date.now(), keepInputs };
    if (ex.span) p.traceId = ex.span.traceId;
    if (inputs && this.inputsNeeded) p.inputs = inputs;
    if (outputs) p.outputs = outputs;
    if (variant) p.variant = variant;
    this.pending.push(p);
    if (this.pending.length >= this.o.batchSize && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /**
   * An OIP body (the request the proxy forwards, or an answer) with the prediction id as its `id`,
   * when it has none (a body that already mentions `"id"` anywhere is left as it is: never two
   * `id` keys). Model servers echo a request's `id` in their answer.
   */
  oipBody(body: Buffer, id: string): Buffer {
    return oipBodyWithId(body, id);
  }

  /**
   * The log as one variant uses it: the same ids, queue and shipper, its records labelled with the
   * variant that answered (a sidecar with a canary records each answer under its own variant).
   */
  forVariant(variant: VariantOfAnswer): PredictionRecorder {
    return {
      predictionId: (headers, requestId) => this.predictionId(headers, requestId),
      oipBody: (body, id) => this.oipBody(body, id),
      answered: (ex, headers, inputs, outputs, requestId) => {
        const id = this.predictionId(headers, requestId);
        ex.traceHeaders[PREDICTION_ID_HEADER] = id;
        this.review?.answered(ex, id, inputs, outputs, variant);
        this.record(ex, id, inputs, outputs, variant);
        return id;
      },
      record: (ex, id, inputs, outputs) => this.record(ex, id, inputs, outputs, variant),
      reviewing: this.review !== undefined,
      markForReview: (ex, id, inputs, outputs) => this.review?.answered(ex, id, inputs, outputs, variant) ?? false,
      // Every shadow answer is a case a person decides: its record must exist for the decision to label it.
      shadowAnswered: (id, inputs, outputs) => {
        this.record(OFF_PATH, id, inputs, outputs, variant, true);
        this.shadowReview?.shadowAnswered(id, inputs, outputs, variant);
      },
    };
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

import { CollectorReview, Label, ReviewReason, type BaselineProfile, type PredictionRecord, type ReviewReasonValue } from '@modelwatch/core';
import { header } from '../metrics/exposition.js';
import type { InputBatch, OutputBatch, OutputColumn } from '../protocols/types.js';
import type { PrivacyPolicy } from '../predictions/privacy.js';
import { buildRecords, type RecordIdentity, type VariantOfAnswer } from '../predictions/record-builder.js';
import type { RecordShipper } from '../predictions/record-shipper.js';
import type { ReviewConfig } from './review-config.js';

/** Response header on an answer that needs a human before the caller acts on it. */
export const REVIEW_HEADER = 'x-modelwatch-review';
/** Where the OIP body says it (response `parameters`, which the protocol leaves to the server). */
export const REVIEW_PARAMETER = 'modelwatch_review';

export interface Marked {
  id: string;
  timeMs: number;
  traceId?: string;
  inputs?: InputBatch;
  outputs?: OutputBatch;
  /** Rows needing review and why, in row order. */
  rows: number[];
  reasons: ReviewReasonValue[];
  /** The variant that answered, when not the primary (its version and class labels go on the record). */
  variant?: VariantOfAnswer;
}

interface Range {
  name: string;
  min: number;
  max: number;
}

/**
 * Partial automation on the request path: decides per answer row whether a person must look at it
 * (confidence below the threshold, a numeric input outside the baseline's range), marks the answer
 * (header, and the OIP body) and keeps a reference for shipping. Records are built (privacy rules
 * applied, inputs always kept) and shipped to the collector's review queue off the request path,
 * through the same disk store-and-forward as the prediction log.
 */
export class ReviewMarker {
  private pending: Marked[] = [];
  private ranges: Range[] = [];
  /** Drifted numeric features and their training tails: below the second or above the second-to-last bin edge. */
  private tails: Range[] = [];
  private baseline: BaselineProfile | undefined;
  private drifted: ReadonlySet<string> = new Set();
  private rangeColumns: (InputBatch['columns'] extends Map<string, infer C> ? C | undefined : never)[] = [];
  private droppedQueueFull = 0;
  private buildFailed = 0;
  private marked = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: ReviewConfig,
    private readonly identity: RecordIdentity,
    private readonly privacy: PrivacyPolicy,
    private readonly classLabels: readonly string[] | undefined,
    private readonly shipper: RecordShipper,
    private readonly flushIntervalMs: number,
    private readonly log?: (message: string) => void,
  ) {}

  /** The training range of every numeric feature (the out-of-range rule); called whenever the baseline changes. */
  setBaseline(profile: BaselineProfile | undefined): void {
    this.baseline = profile;
    this.setDrifted(this.drifted);
    this.ranges = this.config.outOfRange && profile
      ? profile.features.flatMap((f) => (f.type === 'numeric' && Number.isFinite(f.min) && Number.isFinite(f.max) ? [{ name: f.name, min: f.min, max: f.max }] : []))
      : [];
    this.rangeColumns = new Array(this.ranges.length);
  }

  /**
   * The features the collector flags as drifted (the drifted-feature rule): an answer whose value
   * of one of them lies in that feature's training tails is sent to review.
   */
  setDrifted(features: ReadonlySet<string>): void {
    this.drifted = features;
    this.tails = this.config.driftedFeatures && this.baseline
      ? this.baseline.features.flatMap((f) =>
          f.type === 'numeric' && features.has(f.name) && f.bins.edges.length >= 4
            ? [{ name: f.name, min: f.bins.edges[1], max: f.bins.edges[f.bins.edges.length - 2] }]
            : [],
        )
      : [];
  }

  /** The column the confidence is read from, looked up once per answer (not per row). */
  private confidenceColumn(outputs: OutputBatch | undefined): OutputColumn | undefined {
    if (!outputs) return undefined;
    if (this.config.confidenceOutput !== undefined) return outputs.outputs.get(this.config.confidenceOutput);
    for (const col of outputs.outputs.values()) if (col.kind === 'probabilities') return col;
    return undefined;
  }

  private static confidenceAt(col: OutputColumn, row: number): number | undefined {
    if (col.kind === 'values') {
      const v = col.values[row];
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    }
    if (row >= col.rows || col.classes === 0) return undefined;
    let best = -Infinity;
    for (let c = 0, base = row * col.classes; c < col.classes; c++) if (col.data[base + c] > best) best = col.data[base + c];
    return Number.isFinite(best) ? best : undefined;
  }

  /**
   * Checks one answer; when a row needs review, marks the answer and queues it for shipping.
   * Returns whether the answer was marked. Never throws into inference.
   */
  answered(
    ex: { traceHeaders: Record<string, string>; span?: { traceId: string } | undefined },
    id: string,
    inputs: InputBatch | undefined,
    outputs: OutputBatch | undefined,
    variant?: VariantOfAnswer,
  ): boolean {
    const rows = Math.max(1, outputs?.rows ?? inputs?.rows ?? 1);
    let flagged: number[] | undefined;
    let reasons: ReviewReasonValue[] | undefined;
    const below = this.config.below;
    const confidence = below !== undefined ? this.confidenceColumn(outputs) : undefined;
    // Columns of the range rule, looked up once per answer and only when a row gets that far
    // (into one reused array: no allocation per request); absent features are skipped.
    const checkRange = this.ranges.length > 0 && inputs !== undefined;
    let ranged: (InputBatch['columns'] extends Map<string, infer C> ? C | undefined : never)[] | undefined;
    for (let r = 0; r < rows; r++) {
      let reason: ReviewReasonValue | undefined;
      if (confidence) {
        const c = ReviewMarker.confidenceAt(confidence, r);
        if (c !== undefined && c < below!) reason = 'confidence';
      }
      if (reason === undefined && checkRange) {
        if (!ranged) {
          ranged = this.rangeColumns;
          for (let k = 0; k < this.ranges.length; k++) ranged[k] = inputs!.columns.get(this.ranges[k].name);
        }
        for (let k = 0; k < this.ranges.length; k++) {
          const col = ranged[k];
          if (col === undefined) continue;
          const v = (col as ArrayLike<unknown>)[r];
          if (typeof v === 'number' && (v < this.ranges[k].min || v > this.ranges[k].max)) {
            reason = 'out_of_range';
            break;
          }
        }
      }
      if (reason === undefined && this.tails.length > 0 && inputs) {
        for (const t of this.tails) {
          const v = (inputs.columns.get(t.name) as ArrayLike<unknown> | undefined)?.[r];
          if (typeof v === 'number' && (v < t.min || v > t.max)) {
            reason = 'drifted_feature';
            break;
          }
        }
      }
      if (reason === undefined) continue;
      (flagged ??= []).push(r);
      (reasons ??= []).push(reason);
    }
    if (!flagged) return false;
    ex.traceHeaders[REVIEW_HEADER] = 'required';
    this.marked += flagged.length;
    if (this.pending.length >= this.config.maxPending) {
      this.droppedQueueFull += flagged.length;
      return true;
    }
    const m: Marked = { id, timeMs: Date.now(), rows: flagged, reasons: reasons! };
    if (ex.span) m.traceId = ex.span.traceId;
    if (inputs) m.inputs = inputs;
    if (outputs) m.outputs = outputs;
    if (variant) m.variant = variant;
    this.pending.push(m);
    return true;
  }

  /**
   * Shadow automation: every row of an answer the model gave off the path goes to a person (reason
   * `shadow_mode`), whatever the rules say, so the collector can measure human-vs-model agreement
   * on all of them. Called after the caller had its 202; bounded like `answered()`. Never throws.
   */
  shadowAnswered(id: string, inputs: InputBatch | undefined, outputs: OutputBatch | undefined, variant?: VariantOfAnswer): void {
    const n = Math.max(1, outputs?.rows ?? inputs?.rows ?? 1);
    this.marked += n;
    if (this.pending.length >= this.config.maxPending) {
      this.droppedQueueFull += n;
      return;
    }
    const rows = Array.from({ length: n }, (_, r) => r);
    const m: Marked = { id, timeMs: Date.now(), rows, reasons: rows.map(() => ReviewReason.shadow) };
    if (inputs) m.inputs = inputs;
    if (outputs) m.outputs = outputs;
    if (variant) m.variant = variant;
    this.pending.push(m);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Takes the marked answers waiting to be shipped (the flush's input; benchmarks drain with it too). */
  drain(): Marked[] {
    const batch = this.pending;
    this.pending = [];
    return batch;
  }

  /** Builds the marked rows' records (privacy rules applied), buffers them on disk, then sends. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.drain();
      const records: PredictionRecord[] = [];
      const reasons: ReviewReasonValue[] = [];
      for (const m of batch) {
        try {
          const built = buildRecords({ id: m.id, timeMs: m.timeMs, keepInputs: true, ...(m.traceId ? { traceId: m.traceId } : {}), ...(m.inputs ? { inputs: m.inputs } : {}), ...(m.outputs ? { outputs: m.outputs } : {}), ...(m.variant ? { variant: m.variant } : {}) }, this.identity, this.privacy, this.classLabels);
          m.rows.forEach((row, i) => {
            if (built[row]) {
              records.push(built[row]);
              reasons.push(m.reasons[i]);
            }
          });
        } catch (err) {
          this.buildFailed += m.rows.length;
          this.log?.(`review: a record could not be built: ${(err as Error).message}`);
        }
      }
      try {
        if (records.length > 0) await this.shipper.store(records, { reasons });
      } catch (err) {
        this.log?.(`review: writing the buffer failed: ${(err as Error).message}`);
      }
      await this.shipper.send();
    });
    return this.flushing;
  }

  private readonly closers: (() => Promise<void>)[] = [];

  /** Something to stop with the marker (the drift watch). */
  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const fn of this.closers) await fn();
    await this.flush();
  }

  /** Review counters for /metrics; `identity` is the rendered identity label set. */
  render(identity: string, out: string[]): void {
    const s = this.shipper.stats();
    const m = CollectorReview.sidecarMarked;
    out.push(header(m.name, 'counter', m.help), `${m.name}{${identity}} ${this.marked}\n`);
    const r = CollectorReview.sidecarShipped;
    out.push(header(r.name, 'counter', r.help));
    for (const [outcome, v] of [['buffered', s.buffered], ['sent', s.sent], ['rejected', s.rejected], ['dropped', s.droppedBufferFull + this.droppedQueueFull + this.buildFailed]] as const) {
      out.push(`${r.name}{${identity},${Label.outcome}="${outcome}"} ${v}\n`);
    }
  }
}

/** The OIP response `parameters` of a marked answer (embedded mode builds its body itself). */
export function reviewParameters(ex: { traceHeaders: Record<string, string> }): Record<string, string> | undefined {
  return ex.traceHeaders[REVIEW_HEADER] === 'required' ? { [REVIEW_PARAMETER]: 'required' } : undefined;
}

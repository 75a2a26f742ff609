import { countJoined, isEventFeedback, type FeedbackItem, type FeedbackOutcome, type PredictionRecord } from '@modelwatch/core';
import { DELAY_EDGES_SECONDS, delayBucket } from './delay-buckets.js';
import { feedbackMs, missingOutcome, precheck } from './feedback-rules.js';
import type {
  DetectorStateRow,
  ExpiredPending,
  FeedbackContext,
  LabelledPrediction,
  PredictionCounts,
  PredictionQuery,
  PredictionStore,
  PutPredictionsResult,
  StoredPrediction,
  VariantPerformanceCounts,
} from './prediction-store.js';
import type { PerformanceReport, StoredPerformanceReport } from '../performance/report.js';

interface Row {
  record: PredictionRecord;
  timeMs: number;
  receivedMs: number;
  label?: string;
  labelValue?: number;
  labelMs?: number;
  seq?: number;
  events: { event: string; value?: number; timeMs: number }[];
}

function toStored(r: Row): StoredPrediction {
  const out: StoredPrediction = { ...structuredClone(r.record), receivedAt: new Date(r.receivedMs).toISOString(), events: [] };
  if (r.label !== undefined) out.label = r.label;
  if (r.labelValue !== undefined) out.labelValue = r.labelValue;
  if (r.labelMs !== undefined) out.labelTime = new Date(r.labelMs).toISOString();
  out.events = r.events.map((e) => ({ event: e.event, ...(e.value !== undefined ? { value: e.value } : {}), time: new Date(e.timeMs).toISOString() }));
  return out;
}

function toLabelled(r: Row): LabelledPrediction {
  const out: LabelledPrediction = {
    id: r.record.id,
    variant: r.record.variant,
    version: r.record.version,
    timeMs: r.timeMs,
    prediction: r.record.prediction,
    labelMs: r.labelMs!,
    seq: r.seq!,
  };
  if (r.record.confidence !== undefined) out.confidence = r.record.confidence;
  if (r.label !== undefined) out.label = r.label;
  if (r.labelValue !== undefined) out.labelValue = r.labelValue;
  return out;
}

/** In-memory prediction store: tests and `--db :memory:`; same contract as the durable ones. */
export class MemoryPredictionStore implements PredictionStore {
  private readonly models = new Map<string, Map<string, Row>>();
  private readonly detectors = new Map<string, Map<string, DetectorStateRow>>();
  /** Labels whose record has not arrived yet, per model and id. */
  private readonly pending = new Map<string, Map<string, { label?: string; value?: number; labelMs: number; arrivedMs: number }>>();
  private seq = 0;
  private readonly history: { evaluatedAt: string; report: PerformanceReport }[] = [];

  private rows(model: string): Map<string, Row> {
    let m = this.models.get(model);
    if (!m) {
      m = new Map();
      this.models.set(model, m);
    }
    return m;
  }

  async putPredictions(model: string, records: readonly PredictionRecord[], receivedMs: number, pendingFromMs = 0): Promise<PutPredictionsResult> {
    const rows = this.rows(model);
    const held = this.pending.get(model);
    let accepted = 0;
    let labelsJoined = 0;
    for (const record of records) {
      if (rows.has(record.id)) continue;
      const row: Row = { record: structuredClone(record), timeMs: Date.parse(record.time), receivedMs, events: [] };
      rows.set(record.id, row);
      accepted++;
      const label = held?.get(record.id);
      if (label && label.arrivedMs >= pendingFromMs) {
        held!.delete(record.id);
        if (label.label !== undefined) row.label = label.label;
        if (label.value !== undefined) row.labelValue = label.value;
        row.labelMs = label.labelMs;
        row.seq = ++this.seq;
        labelsJoined++;
      }
    }
    return { accepted, duplicate: records.length - accepted, labelsJoined };
  }

  async expirePending(beforeMs: number): Promise<ExpiredPending[]> {
    const out: ExpiredPending[] = [];
    for (const [model, held] of [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      let expired = 0;
      for (const [id, p] of held) {
        if (p.arrivedMs < beforeMs) {
          held.delete(id);
          expired++;
        }
      }
      if (expired > 0) out.push({ model, expired });
    }
    return out;
  }

  async pendingCount(model: string): Promise<number> {
    return this.pending.get(model)?.size ?? 0;
  }

  async applyFeedback(model: string, items: readonly FeedbackItem[], ctx: FeedbackContext): Promise<FeedbackOutcome[]> {
    const rows = this.models.get(model);
    return items.map((item): FeedbackOutcome => {
      const refused = precheck(item, ctx);
      if (refused) return refused;
      const row = rows?.get(item.predictionId);
      const at = feedbackMs(item, ctx);
      if (!row) {
        const missing = missingOutcome(item, ctx);
        if (missing !== 'unknown_id' || isEventFeedback(item) || (ctx.maxPending ?? 0) <= 0) return missing;
        // No record yet: hold the label while the model has room (it joins when the record arrives).
        let held = this.pending.get(model);
        if (!held) this.pending.set(model, (held = new Map()));
        if (held.has(item.predictionId)) return 'duplicate';
        if (held.size >= ctx.maxPending!) return 'unknown_id';
        held.set(item.predictionId, { ...(item.label !== undefined ? { label: item.label } : {}), ...(item.value !== undefined ? { value: item.value } : {}), labelMs: at, arrivedMs: ctx.nowMs });
        return 'pending';
      }
      if (isEventFeedback(item)) {
        if (row.events.some((e) => e.event === item.event)) return 'duplicate';
        row.events.push({ event: item.event, ...(item.value !== undefined ? { value: item.value } : {}), timeMs: at });
        return 'accepted';
      }
      if (row.labelMs !== undefined) return 'duplicate';
      if (item.label !== undefined) row.label = item.label;
      if (item.value !== undefined) row.labelValue = item.value;
      row.labelMs = at;
      row.seq = ++this.seq;
      return 'accepted';
    });
  }

  async getPrediction(model: string, id: string): Promise<StoredPrediction | undefined> {
    const row = this.models.get(model)?.get(id);
    return row ? toStored(row) : undefined;
  }

  async predictions(model: string, q: PredictionQuery): Promise<StoredPrediction[]> {
    const rows = [...(this.models.get(model)?.values() ?? [])].filter(
      (r) =>
        r.timeMs > q.fromMs &&
        r.timeMs <= q.toMs &&
        (q.labelled === undefined || (r.labelMs !== undefined) === q.labelled) &&
        (q.variant === undefined || r.record.variant === q.variant) &&
        (q.after === undefined || r.timeMs > q.after.timeMs || (r.timeMs === q.after.timeMs && r.record.id > q.after.id)),
    );
    rows.sort((a, b) => a.timeMs - b.timeMs || (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));
    return rows.slice(0, q.limit).map(toStored);
  }

  async labelledPredictions(model: string, fromMs: number, toMs: number): Promise<LabelledPrediction[]> {
    return [...(this.models.get(model)?.values() ?? [])]
      .filter((r) => r.seq !== undefined && r.timeMs > fromMs && r.timeMs <= toMs)
      .sort((a, b) => a.seq! - b.seq!)
      .map(toLabelled);
  }

  async labelsSince(model: string, afterSeq: number, limit: number): Promise<LabelledPrediction[]> {
    return [...(this.models.get(model)?.values() ?? [])]
      .filter((r) => r.seq !== undefined && r.seq > afterSeq)
      .sort((a, b) => a.seq! - b.seq!)
      .slice(0, limit)
      .map(toLabelled);
  }

  async performanceCounts(model: string, fromMs: number, toMs: number): Promise<VariantPerformanceCounts[]> {
    const by = new Map<string, LabelledPrediction[]>();
    for (const l of await this.labelledPredictions(model, fromMs, toMs)) {
      let list = by.get(l.variant);
      if (!list) by.set(l.variant, (list = []));
      list.push(l);
    }
    return [...by]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([variant, rows]) => {
        const delays = new Array<number>(DELAY_EDGES_SECONDS.length + 1).fill(0);
        for (const r of rows) delays[delayBucket(r.labelMs - r.timeMs)]++;
        return { variant, counts: countJoined(rows), delays };
      });
  }

  async predictionCounts(model: string, fromMs: number, toMs: number): Promise<PredictionCounts[]> {
    const by = new Map<string, PredictionCounts>();
    for (const r of this.models.get(model)?.values() ?? []) {
      if (r.timeMs <= fromMs || r.timeMs > toMs) continue;
      let c = by.get(r.record.variant);
      if (!c) {
        c = { variant: r.record.variant, predictions: 0, labelled: 0, events: {} };
        by.set(r.record.variant, c);
      }
      c.predictions++;
      if (r.labelMs !== undefined) c.labelled++;
      for (const e of r.events) c.events[e.event] = (c.events[e.event] ?? 0) + 1;
    }
    return [...by.values()].sort((a, b) => (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0));
  }

  async predictionModels(): Promise<string[]> {
    return [...this.models].filter(([, rows]) => rows.size > 0).map(([m]) => m).sort();
  }

  async deleteBySubject(model: string, subject: string): Promise<number> {
    const rows = this.models.get(model);
    let n = 0;
    for (const [id, r] of rows ?? []) {
      if (r.record.subject === subject) {
        rows!.delete(id);
        n++;
      }
    }
    return n;
  }

  async prunePredictions(beforeMs: number): Promise<number> {
    let n = 0;
    for (const rows of this.models.values()) {
      for (const [id, r] of rows) {
        if (r.timeMs < beforeMs) {
          rows.delete(id);
          n++;
        }
      }
    }
    return n;
  }

  async detectorStates(model: string): Promise<DetectorStateRow[]> {
    return [...(this.detectors.get(model)?.values() ?? [])]
      .sort((a, b) => (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : a.detector < b.detector ? -1 : a.detector > b.detector ? 1 : 0))
      .map((r) => structuredClone(r));
  }

  async putDetectorStates(model: string, rows: readonly DetectorStateRow[]): Promise<void> {
    let m = this.detectors.get(model);
    if (!m) {
      m = new Map();
      this.detectors.set(model, m);
    }
    for (const r of rows) m.set(`${r.variant}\u0000${r.detector}`, structuredClone(r));
  }

  async appendPerformance(report: PerformanceReport, evaluatedAt: string): Promise<void> {
    this.history.push({ evaluatedAt, report: structuredClone(report) });
  }

  async performanceHistory(model: string, limit: number, window?: string): Promise<StoredPerformanceReport[]> {
    const out: StoredPerformanceReport[] = [];
    for (let i = this.history.length - 1; i >= 0 && out.length < limit; i--) {
      const h = this.history[i];
      if (h.report.model === model && (window === undefined || h.report.window === window)) out.push(structuredClone(h));
    }
    return out;
  }

  async prunePerformanceHistory(keep: number): Promise<void> {
    const seen = new Map<string, number>();
    const kept: typeof this.history = [];
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i];
      const key = `${h.report.model}\u0000${h.report.window}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n <= keep) kept.push(h);
    }
    this.history.splice(0, this.history.length, ...kept.reverse());
  }

  async close(): Promise<void> {}
}

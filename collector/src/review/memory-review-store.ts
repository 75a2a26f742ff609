import type {
  ClaimResult,
  DecideResult,
  Decision,
  EnqueueResult,
  NewReviewItem,
  QueueBound,
  QueueStats,
  RetrainingEvent,
  ReviewItem,
  ReviewListQuery,
  ReviewStore,
} from './review-store.js';

const byQueueOrder = (a: ReviewItem, b: ReviewItem) => a.enqueuedMs - b.enqueuedMs || (a.predictionId < b.predictionId ? -1 : a.predictionId > b.predictionId ? 1 : 0);
const byDecisionOrder = (a: ReviewItem, b: ReviewItem) => a.decidedMs! - b.decidedMs! || (a.predictionId < b.predictionId ? -1 : 1);

function copy(item: ReviewItem): ReviewItem {
  return { ...item };
}

/** The review queue in memory (tests and `--db :memory:`). */
export class MemoryReviewStore implements ReviewStore {
  private readonly models = new Map<string, Map<string, ReviewItem>>();
  private readonly retraining: RetrainingEvent[] = [];

  async appendRetrainingEvent(event: RetrainingEvent): Promise<void> {
    this.retraining.push(structuredClone(event));
  }

  async retrainingEvents(model: string, limit: number): Promise<RetrainingEvent[]> {
    return this.retraining.filter((e) => e.model === model).sort((a, b) => b.timeMs - a.timeMs).slice(0, limit).map((e) => structuredClone(e));
  }

  private items(model: string): Map<string, ReviewItem> {
    let m = this.models.get(model);
    if (!m) this.models.set(model, (m = new Map()));
    return m;
  }

  private pendingSorted(model: string): ReviewItem[] {
    return [...this.items(model).values()].filter((i) => i.decidedMs === undefined).sort(byQueueOrder);
  }

  async enqueue(model: string, items: readonly NewReviewItem[], nowMs: number, bound: QueueBound): Promise<EnqueueResult> {
    const all = this.items(model);
    const result: EnqueueResult = { outcomes: [], dropped: [] };
    let pending = this.pendingSorted(model);
    for (const n of items) {
      if (all.has(n.predictionId)) {
        result.outcomes.push('duplicate');
        continue;
      }
      if (pending.length >= bound.maxPending) {
        if (bound.overflow === 'refuse-new') {
          result.outcomes.push('refused');
          continue;
        }
        const oldest = pending.shift()!;
        all.delete(oldest.predictionId);
        result.dropped.push(oldest.reason);
      }
      const item: ReviewItem = { model, predictionId: n.predictionId, reason: n.reason, enqueuedMs: nowMs, prediction: n.prediction, record: n.record };
      if (n.confidence !== undefined) item.confidence = n.confidence;
      all.set(n.predictionId, item);
      pending.push(item);
      result.outcomes.push('queued');
    }
    return result;
  }

  async list(model: string, q: ReviewListQuery): Promise<ReviewItem[]> {
    const after = q.after;
    const rows =
      q.state === 'pending'
        ? this.pendingSorted(model).filter((i) => !after || i.enqueuedMs > after.ms || (i.enqueuedMs === after.ms && i.predictionId > after.id))
        : [...this.items(model).values()]
            .filter((i) => i.decidedMs !== undefined)
            .sort(byDecisionOrder)
            .filter((i) => !after || i.decidedMs! > after.ms || (i.decidedMs === after.ms && i.predictionId > after.id));
    return rows.slice(0, q.limit).map(copy);
  }

  async get(model: string, predictionId: string): Promise<ReviewItem | undefined> {
    const item = this.models.get(model)?.get(predictionId);
    return item && copy(item);
  }

  async claim(model: string, predictionId: string, reviewer: string, nowMs: number, ttlMs: number): Promise<ClaimResult> {
    const item = this.models.get(model)?.get(predictionId);
    if (!item) return { outcome: 'unknown' };
    if (item.decidedMs !== undefined) return { outcome: 'already_decided' };
    if (item.claimedBy !== undefined && item.claimedBy !== reviewer && item.claimUntilMs! > nowMs) {
      return { outcome: 'held', by: item.claimedBy, untilMs: item.claimUntilMs! };
    }
    item.claimedBy = reviewer;
    item.claimUntilMs = nowMs + ttlMs;
    return { outcome: 'claimed', item: copy(item) };
  }

  async claimNext(model: string, reviewer: string, nowMs: number, ttlMs: number, skip: readonly string[] = []): Promise<ReviewItem | undefined> {
    // A reviewer's own live claim comes first (a reloaded page gets the same item back).
    const skipped = new Set(skip);
    const pending = this.pendingSorted(model).filter((i) => !skipped.has(i.predictionId));
    const item =
      pending.find((i) => i.claimedBy === reviewer && i.claimUntilMs! > nowMs) ??
      pending.find((i) => i.claimedBy === undefined || i.claimUntilMs! <= nowMs);
    if (!item) return undefined;
    item.claimedBy = reviewer;
    item.claimUntilMs = nowMs + ttlMs;
    return copy(item);
  }

  async decide(model: string, predictionId: string, d: Decision, nowMs: number): Promise<DecideResult> {
    const item = this.models.get(model)?.get(predictionId);
    if (!item) return { outcome: 'unknown' };
    if (item.decidedMs !== undefined) return { outcome: 'already_decided' };
    if (item.claimedBy !== undefined && item.claimedBy !== d.reviewer && item.claimUntilMs! > nowMs) {
      return { outcome: 'held', by: item.claimedBy, untilMs: item.claimUntilMs! };
    }
    item.decidedBy = d.reviewer;
    item.decidedMs = nowMs;
    if (d.label !== undefined) item.decisionLabel = d.label;
    if (d.value !== undefined) item.decisionValue = d.value;
    delete item.claimedBy;
    delete item.claimUntilMs;
    return { outcome: 'decided', item: copy(item) };
  }

  async stats(): Promise<QueueStats[]> {
    const out: QueueStats[] = [];
    for (const model of [...this.models.keys()].sort()) {
      const pending = this.pendingSorted(model);
      if (pending.length > 0) out.push({ model, pending: pending.length, oldestMs: pending[0].enqueuedMs });
    }
    return out;
  }

  async prune(beforeMs: number): Promise<number> {
    let n = 0;
    for (const items of this.models.values()) {
      for (const [id, i] of items) {
        if ((i.decidedMs ?? i.enqueuedMs) < beforeMs) {
          items.delete(id);
          n++;
        }
      }
    }
    return n;
  }

  async close(): Promise<void> {}
}

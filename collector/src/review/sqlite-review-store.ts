import Database from 'better-sqlite3';
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
import { REVIEW_COLUMNS, toReviewItem, type ReviewRow } from './review-rows.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS review_items (
  model TEXT NOT NULL,
  prediction_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  enqueued_ms INTEGER NOT NULL,
  prediction TEXT NOT NULL,
  record TEXT NOT NULL,
  confidence REAL,
  claimed_by TEXT,
  claim_until_ms INTEGER,
  decided_by TEXT,
  decided_ms INTEGER,
  decision_label TEXT,
  decision_value REAL,
  PRIMARY KEY (model, prediction_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS review_pending ON review_items (model, enqueued_ms, prediction_id) WHERE decided_ms IS NULL;
CREATE INDEX IF NOT EXISTS review_decided ON review_items (model, decided_ms, prediction_id) WHERE decided_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS retraining_events (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  reason TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (model, id)
);
CREATE INDEX IF NOT EXISTS retraining_time ON retraining_events (model, time_ms);
`;

/**
 * The review queue in SQLite (the collector's file, a connection of its own). Claims and decisions
 * are single conditional UPDATEs, so two reviewers racing for an item cannot both win it.
 */
export class SqliteReviewStore implements ReviewStore {
  private readonly db: Database.Database;
  private readonly enqueueTx: (model: string, items: readonly NewReviewItem[], nowMs: number, bound: QueueBound) => EnqueueResult;
  private readonly stmt: Record<'exists' | 'count' | 'oldest' | 'drop' | 'insert' | 'get' | 'claim' | 'next' | 'decide' | 'stats' | 'prune' | 'pending' | 'pendingAfter' | 'decided' | 'decidedAfter', Database.Statement>;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const live = `(claimed_by IS NULL OR claimed_by = @reviewer OR claim_until_ms <= @now)`;
    this.stmt = {
      exists: this.db.prepare('SELECT 1 FROM review_items WHERE model = ? AND prediction_id = ?'),
      count: this.db.prepare('SELECT count(*) AS n FROM review_items WHERE model = ? AND decided_ms IS NULL'),
      oldest: this.db.prepare('SELECT prediction_id, reason FROM review_items WHERE model = ? AND decided_ms IS NULL ORDER BY enqueued_ms, prediction_id LIMIT 1'),
      drop: this.db.prepare('DELETE FROM review_items WHERE model = ? AND prediction_id = ?'),
      insert: this.db.prepare(
        'INSERT INTO review_items (model, prediction_id, reason, enqueued_ms, prediction, record, confidence) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      get: this.db.prepare(`SELECT ${REVIEW_COLUMNS} FROM review_items WHERE model = ? AND prediction_id = ?`),
      claim: this.db.prepare(
        `UPDATE review_items SET claimed_by = @reviewer, claim_until_ms = @until
         WHERE model = @model AND prediction_id = @id AND decided_ms IS NULL AND ${live} RETURNING ${REVIEW_COLUMNS}`,
      ),
      // A reviewer's own live claim first, then the oldest free item.
      next: this.db.prepare(
        `UPDATE review_items SET claimed_by = @reviewer, claim_until_ms = @until
         WHERE model = @model AND prediction_id = (
           SELECT prediction_id FROM review_items WHERE model = @model AND decided_ms IS NULL AND ${live}
             AND prediction_id NOT IN (SELECT value FROM json_each(@skip))
           ORDER BY (claimed_by = @reviewer AND claim_until_ms > @now) DESC, enqueued_ms, prediction_id LIMIT 1)
         RETURNING ${REVIEW_COLUMNS}`,
      ),
      decide: this.db.prepare(
        `UPDATE review_items SET decided_by = @reviewer, decided_ms = @now, decision_label = @label, decision_value = @value,
           claimed_by = NULL, claim_until_ms = NULL
         WHERE model = @model AND prediction_id = @id AND decided_ms IS NULL AND ${live} RETURNING ${REVIEW_COLUMNS}`,
      ),
      stats: this.db.prepare(
        'SELECT model, count(*) AS pending, min(enqueued_ms) AS oldest FROM review_items WHERE decided_ms IS NULL GROUP BY model ORDER BY model',
      ),
      prune: this.db.prepare('DELETE FROM review_items WHERE coalesce(decided_ms, enqueued_ms) < ?'),
      pending: this.db.prepare(
        `SELECT ${REVIEW_COLUMNS} FROM review_items WHERE model = ? AND decided_ms IS NULL ORDER BY enqueued_ms, prediction_id LIMIT ?`,
      ),
      pendingAfter: this.db.prepare(
        `SELECT ${REVIEW_COLUMNS} FROM review_items WHERE model = ? AND decided_ms IS NULL AND (enqueued_ms, prediction_id) > (?, ?)
         ORDER BY enqueued_ms, prediction_id LIMIT ?`,
      ),
      decided: this.db.prepare(
        `SELECT ${REVIEW_COLUMNS} FROM review_items WHERE model = ? AND decided_ms IS NOT NULL ORDER BY decided_ms, prediction_id LIMIT ?`,
      ),
      decidedAfter: this.db.prepare(
        `SELECT ${REVIEW_COLUMNS} FROM review_items WHERE model = ? AND decided_ms IS NOT NULL AND (decided_ms, prediction_id) > (?, ?)
         ORDER BY decided_ms, prediction_id LIMIT ?`,
      ),
    };
    this.enqueueTx = this.db.transaction((model: string, items: readonly NewReviewItem[], nowMs: number, bound: QueueBound) => {
      const result: EnqueueResult = { outcomes: [], dropped: [] };
      let pending = (this.stmt.count.get(model) as { n: number }).n;
      for (const n of items) {
        if (this.stmt.exists.get(model, n.predictionId)) {
          result.outcomes.push('duplicate');
          continue;
        }
        if (pending >= bound.maxPending) {
          if (bound.overflow === 'refuse-new') {
            result.outcomes.push('refused');
            continue;
          }
          const oldest = this.stmt.oldest.get(model) as { prediction_id: string; reason: string };
          this.stmt.drop.run(model, oldest.prediction_id);
          result.dropped.push(oldest.reason as NewReviewItem['reason']);
          pending--;
        }
        this.stmt.insert.run(model, n.predictionId, n.reason, nowMs, JSON.stringify(n.prediction), JSON.stringify(n.record), n.confidence ?? null);
        pending++;
        result.outcomes.push('queued');
      }
      return result;
    });
  }

  async enqueue(model: string, items: readonly NewReviewItem[], nowMs: number, bound: QueueBound): Promise<EnqueueResult> {
    return this.enqueueTx(model, items, nowMs, bound);
  }

  async list(model: string, q: ReviewListQuery): Promise<ReviewItem[]> {
    const rows = (
      q.state === 'pending'
        ? q.after
          ? this.stmt.pendingAfter.all(model, q.after.ms, q.after.id, q.limit)
          : this.stmt.pending.all(model, q.limit)
        : q.after
          ? this.stmt.decidedAfter.all(model, q.after.ms, q.after.id, q.limit)
          : this.stmt.decided.all(model, q.limit)
    ) as ReviewRow[];
    return rows.map(toReviewItem);
  }

  async get(model: string, predictionId: string): Promise<ReviewItem | undefined> {
    const row = this.stmt.get.get(model, predictionId) as ReviewRow | undefined;
    return row && toReviewItem(row);
  }

  private refusal(model: string, predictionId: string, nowMs: number): Exclude<ClaimResult, { outcome: 'claimed' }> {
    const item = this.stmt.get.get(model, predictionId) as ReviewRow | undefined;
    if (!item) return { outcome: 'unknown' };
    if (item.decided_ms !== null) return { outcome: 'already_decided' };
    // Only reached when the conditional update matched nothing: another reviewer's claim is live.
    void nowMs;
    return { outcome: 'held', by: item.claimed_by!, untilMs: Number(item.claim_until_ms) };
  }

  async claim(model: string, predictionId: string, reviewer: string, nowMs: number, ttlMs: number): Promise<ClaimResult> {
    const row = this.stmt.claim.get({ model, id: predictionId, reviewer, now: nowMs, until: nowMs + ttlMs }) as ReviewRow | undefined;
    return row ? { outcome: 'claimed', item: toReviewItem(row) } : this.refusal(model, predictionId, nowMs);
  }

  async claimNext(model: string, reviewer: string, nowMs: number, ttlMs: number, skip: readonly string[] = []): Promise<ReviewItem | undefined> {
    const row = this.stmt.next.get({ model, reviewer, now: nowMs, until: nowMs + ttlMs, skip: JSON.stringify(skip) }) as ReviewRow | undefined;
    return row && toReviewItem(row);
  }

  async decide(model: string, predictionId: string, d: Decision, nowMs: number): Promise<DecideResult> {
    const row = this.stmt.decide.get({
      model,
      id: predictionId,
      reviewer: d.reviewer,
      now: nowMs,
      label: d.label ?? null,
      value: d.value ?? null,
    }) as ReviewRow | undefined;
    return row ? { outcome: 'decided', item: toReviewItem(row) } : this.refusal(model, predictionId, nowMs);
  }

  async appendRetrainingEvent(e: RetrainingEvent): Promise<void> {
    this.db
      .prepare('INSERT INTO retraining_events (model, id, time_ms, reason, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(e.model, e.id, e.timeMs, e.reason, e.outcome, JSON.stringify(e.detail));
  }

  async retrainingEvents(model: string, limit: number): Promise<RetrainingEvent[]> {
    const rows = this.db
      .prepare('SELECT model, id, time_ms, reason, outcome, detail FROM retraining_events WHERE model = ? ORDER BY time_ms DESC, id DESC LIMIT ?')
      .all(model, limit) as { model: string; id: string; time_ms: number; reason: string; outcome: RetrainingEvent['outcome']; detail: string }[];
    return rows.map((r) => ({ model: r.model, id: r.id, timeMs: r.time_ms, reason: r.reason, outcome: r.outcome, detail: JSON.parse(r.detail) }));
  }

  async stats(): Promise<QueueStats[]> {
    const rows = this.stmt.stats.all() as { model: string; pending: number; oldest: number }[];
    return rows.map((r) => ({ model: r.model, pending: r.pending, oldestMs: r.oldest }));
  }

  async prune(beforeMs: number): Promise<number> {
    return this.stmt.prune.run(beforeMs).changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

import pg from 'pg';
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
import { openPool, SchemaLock, transaction } from '../store/postgres-pool.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS review_items (
  model TEXT NOT NULL,
  prediction_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  enqueued_ms BIGINT NOT NULL,
  prediction TEXT NOT NULL,
  record TEXT NOT NULL,
  confidence DOUBLE PRECISION,
  claimed_by TEXT,
  claim_until_ms BIGINT,
  decided_by TEXT,
  decided_ms BIGINT,
  decision_label TEXT,
  decision_value DOUBLE PRECISION,
  PRIMARY KEY (model, prediction_id)
);
CREATE INDEX IF NOT EXISTS review_pending ON review_items (model, enqueued_ms, prediction_id) WHERE decided_ms IS NULL;
CREATE INDEX IF NOT EXISTS review_decided ON review_items (model, decided_ms, prediction_id) WHERE decided_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS retraining_events (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  reason TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail JSONB NOT NULL,
  PRIMARY KEY (model, id)
);
CREATE INDEX IF NOT EXISTS retraining_time ON retraining_events (model, time_ms);
`;

const LIVE = `(claimed_by IS NULL OR claimed_by = $3 OR claim_until_ms <= $4)`;

/**
 * The review queue in PostgreSQL, shared by every collector replica. Enqueueing takes a per-model
 * advisory lock so the bound holds across replicas; claims are conditional UPDATEs (and `SKIP
 * LOCKED` for the next item), so two reviewers on two replicas never win the same item.
 */
export class PostgresReviewStore implements ReviewStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string): Promise<PostgresReviewStore> {
    return new PostgresReviewStore(await openPool(connectionString, SCHEMA, SchemaLock.reviews));
  }

  enqueue(model: string, items: readonly NewReviewItem[], nowMs: number, bound: QueueBound): Promise<EnqueueResult> {
    return transaction(this.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(947304, hashtext($1))", [model]);
      const result: EnqueueResult = { outcomes: [], dropped: [] };
      let pending = Number((await client.query('SELECT count(*) AS n FROM review_items WHERE model = $1 AND decided_ms IS NULL', [model])).rows[0].n);
      for (const n of items) {
        const exists = await client.query('SELECT 1 FROM review_items WHERE model = $1 AND prediction_id = $2', [model, n.predictionId]);
        if (exists.rowCount) {
          result.outcomes.push('duplicate');
          continue;
        }
        if (pending >= bound.maxPending) {
          if (bound.overflow === 'refuse-new') {
            result.outcomes.push('refused');
            continue;
          }
          const { rows } = await client.query(
            `DELETE FROM review_items WHERE model = $1 AND prediction_id = (
               SELECT prediction_id FROM review_items WHERE model = $1 AND decided_ms IS NULL ORDER BY enqueued_ms, prediction_id LIMIT 1)
             RETURNING reason`,
            [model],
          );
          result.dropped.push(rows[0].reason);
          pending--;
        }
        await client.query(
          'INSERT INTO review_items (model, prediction_id, reason, enqueued_ms, prediction, record, confidence) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [model, n.predictionId, n.reason, nowMs, JSON.stringify(n.prediction), JSON.stringify(n.record), n.confidence ?? null],
        );
        pending++;
        result.outcomes.push('queued');
      }
      return result;
    });
  }

  async list(model: string, q: ReviewListQuery): Promise<ReviewItem[]> {
    const [col, where] = q.state === 'pending' ? ['enqueued_ms', 'decided_ms IS NULL'] : ['decided_ms', 'decided_ms IS NOT NULL'];
    const params: unknown[] = [model, q.limit];
    let after = '';
    if (q.after) {
      params.push(q.after.ms, q.after.id);
      after = `AND (${col}, prediction_id) > ($3, $4)`;
    }
    const { rows } = await this.pool.query(
      `SELECT ${REVIEW_COLUMNS} FROM review_items WHERE model = $1 AND ${where} ${after} ORDER BY ${col}, prediction_id LIMIT $2`,
      params,
    );
    return (rows as ReviewRow[]).map(toReviewItem);
  }

  async get(model: string, predictionId: string): Promise<ReviewItem | undefined> {
    const { rows } = await this.pool.query(`SELECT ${REVIEW_COLUMNS} FROM review_items WHERE model = $1 AND prediction_id = $2`, [model, predictionId]);
    return rows[0] && toReviewItem(rows[0] as ReviewRow);
  }

  private async refusal(model: string, predictionId: string): Promise<Exclude<ClaimResult, { outcome: 'claimed' }>> {
    const { rows } = await this.pool.query('SELECT decided_ms, claimed_by, claim_until_ms FROM review_items WHERE model = $1 AND prediction_id = $2', [
      model,
      predictionId,
    ]);
    if (rows.length === 0) return { outcome: 'unknown' };
    if (rows[0].decided_ms !== null) return { outcome: 'already_decided' };
    return { outcome: 'held', by: rows[0].claimed_by, untilMs: Number(rows[0].claim_until_ms) };
  }

  async claim(model: string, predictionId: string, reviewer: string, nowMs: number, ttlMs: number): Promise<ClaimResult> {
    const { rows } = await this.pool.query(
      `UPDATE review_items SET claimed_by = $3, claim_until_ms = $5
       WHERE model = $1 AND prediction_id = $2 AND decided_ms IS NULL AND ${LIVE} RETURNING ${REVIEW_COLUMNS}`,
      [model, predictionId, reviewer, nowMs, nowMs + ttlMs],
    );
    return rows[0] ? { outcome: 'claimed', item: toReviewItem(rows[0] as ReviewRow) } : this.refusal(model, predictionId);
  }

  async claimNext(model: string, reviewer: string, nowMs: number, ttlMs: number, skip: readonly string[] = []): Promise<ReviewItem | undefined> {
    const { rows } = await this.pool.query(
      `UPDATE review_items SET claimed_by = $2, claim_until_ms = $4
       WHERE model = $1 AND prediction_id = (
         SELECT prediction_id FROM review_items
         WHERE model = $1 AND decided_ms IS NULL AND (claimed_by IS NULL OR claimed_by = $2 OR claim_until_ms <= $3)
           AND prediction_id <> ALL($5::text[])
         ORDER BY (claimed_by IS NOT NULL AND claimed_by = $2 AND claim_until_ms > $3) DESC, enqueued_ms, prediction_id
         LIMIT 1 FOR UPDATE SKIP LOCKED)
       AND (claimed_by IS NULL OR claimed_by = $2 OR claim_until_ms <= $3)
       RETURNING ${REVIEW_COLUMNS}`,
      [model, reviewer, nowMs, nowMs + ttlMs, skip],
    );
    return rows[0] && toReviewItem(rows[0] as ReviewRow);
  }

  async decide(model: string, predictionId: string, d: Decision, nowMs: number): Promise<DecideResult> {
    const { rows } = await this.pool.query(
      `UPDATE review_items SET decided_by = $3, decided_ms = $4, decision_label = $5, decision_value = $6, claimed_by = NULL, claim_until_ms = NULL
       WHERE model = $1 AND prediction_id = $2 AND decided_ms IS NULL AND ${LIVE} RETURNING ${REVIEW_COLUMNS}`,
      [model, predictionId, d.reviewer, nowMs, d.label ?? null, d.value ?? null],
    );
    return rows[0] ? { outcome: 'decided', item: toReviewItem(rows[0] as ReviewRow) } : this.refusal(model, predictionId);
  }

  async appendRetrainingEvent(e: RetrainingEvent): Promise<void> {
    await this.pool.query('INSERT INTO retraining_events (model, id, time_ms, reason, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
      e.model,
      e.id,
      e.timeMs,
      e.reason,
      e.outcome,
      JSON.stringify(e.detail),
    ]);
  }

  async retrainingEvents(model: string, limit: number): Promise<RetrainingEvent[]> {
    const { rows } = await this.pool.query(
      'SELECT model, id, time_ms, reason, outcome, detail FROM retraining_events WHERE model = $1 ORDER BY time_ms DESC, id DESC LIMIT $2',
      [model, limit],
    );
    return rows.map((r) => ({ model: r.model, id: r.id, timeMs: Number(r.time_ms), reason: r.reason, outcome: r.outcome, detail: r.detail }));
  }

  async stats(): Promise<QueueStats[]> {
    const { rows } = await this.pool.query(
      'SELECT model, count(*) AS pending, min(enqueued_ms) AS oldest FROM review_items WHERE decided_ms IS NULL GROUP BY model ORDER BY model',
    );
    return rows.map((r) => ({ model: r.model, pending: Number(r.pending), oldestMs: Number(r.oldest) }));
  }

  async prune(beforeMs: number): Promise<number> {
    const res = await this.pool.query('DELETE FROM review_items WHERE coalesce(decided_ms, enqueued_ms) < $1', [beforeMs]);
    return res.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

import pg from 'pg';
import { CALIBRATION_BINS, isEventFeedback, type FeedbackItem, type FeedbackOutcome, type LabelFeedback, type EventFeedback, type PredictionRecord } from '@modelwatch/core';
import { feedbackMs, missingOutcome, precheck } from './feedback-rules.js';
import { DELAY_EDGES_SECONDS } from './delay-buckets.js';
import { RollupBatch } from './rollup.js';
import { assembleCounts, LABELLED_COLUMNS, recordColumns, windowMinutes, type RollupRow, toLabelled, toStoredPrediction, type LabelledRow, type PredictionRow } from './prediction-rows.js';
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
import { openPool, SchemaLock, transaction } from './postgres-pool.js';
import { historyQuery, pruneHistoryQuery } from './report-history.js';

const LABEL_COLUMNS = 'model, id, variant, version, time_ms, prediction, confidence, label_text, label_value, label_ms, label_seq';

// Keys are COLLATE "C": ids and model names are compared for equality only (and ordered bytewise
// where order matters), and a byte comparison spares the collation library on every index probe.
// Labels live in their own append-only table, not in the record's row: joining a label is then one
// narrow INSERT (first label wins through the primary key) instead of rewriting the wide record row
// and its indexes, which made 1M labels take 36 s (docs/performance.md, "Ground truth"). The record
// columns realized performance needs are copied in, so label reads never touch the records.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS predictions (
  model TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  time_ms BIGINT NOT NULL,
  received_ms BIGINT NOT NULL,
  version TEXT NOT NULL,
  variant TEXT NOT NULL,
  stage TEXT NOT NULL,
  pipeline TEXT,
  prediction TEXT NOT NULL,
  confidence DOUBLE PRECISION,
  trace_id TEXT,
  subject TEXT,
  payload JSONB NOT NULL,
  PRIMARY KEY (model, id)
);
CREATE INDEX IF NOT EXISTS predictions_time ON predictions (model, time_ms);
CREATE INDEX IF NOT EXISTS predictions_subject ON predictions (model, subject) WHERE subject IS NOT NULL;
CREATE TABLE IF NOT EXISTS prediction_labels (
  model TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  variant TEXT NOT NULL,
  version TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  prediction TEXT NOT NULL,
  confidence DOUBLE PRECISION,
  label_text TEXT,
  label_value DOUBLE PRECISION,
  label_ms BIGINT NOT NULL,
  label_seq BIGINT NOT NULL,
  PRIMARY KEY (model, id)
);
CREATE INDEX IF NOT EXISTS prediction_labels_seq ON prediction_labels (model, label_seq);
CREATE INDEX IF NOT EXISTS prediction_labels_time ON prediction_labels USING brin (time_ms);
-- Databases created before labels had their own table kept them in the record row: move them once.
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'predictions' AND column_name = 'label_seq') THEN
    INSERT INTO prediction_labels (${LABEL_COLUMNS})
      SELECT ${LABEL_COLUMNS} FROM predictions WHERE label_seq IS NOT NULL ON CONFLICT DO NOTHING;
    DROP INDEX IF EXISTS predictions_label_seq;
    ALTER TABLE predictions DROP COLUMN label_text, DROP COLUMN label_value, DROP COLUMN label_ms, DROP COLUMN label_seq;
  END IF;
END $$;
-- Labels whose record has not arrived yet (records ship asynchronously from the sidecars).
CREATE TABLE IF NOT EXISTS prediction_pending (
  model TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  label_text TEXT,
  label_value DOUBLE PRECISION,
  label_ms BIGINT NOT NULL,
  arrived_ms BIGINT NOT NULL,
  PRIMARY KEY (model, id)
);
CREATE INDEX IF NOT EXISTS prediction_pending_arrived ON prediction_pending (arrived_ms);
CREATE TABLE IF NOT EXISTS prediction_events (
  model TEXT NOT NULL,
  prediction_id TEXT NOT NULL,
  event TEXT NOT NULL,
  value DOUBLE PRECISION,
  time_ms BIGINT NOT NULL,
  PRIMARY KEY (model, prediction_id, event)
);
CREATE TABLE IF NOT EXISTS detector_state (
  model TEXT NOT NULL,
  variant TEXT NOT NULL,
  detector TEXT NOT NULL,
  state JSONB NOT NULL,
  cursor BIGINT NOT NULL,
  PRIMARY KEY (model, variant, detector)
);
CREATE SEQUENCE IF NOT EXISTS label_seq;
CREATE TABLE IF NOT EXISTS performance_rollup (
  model TEXT NOT NULL,
  variant TEXT NOT NULL,
  minute BIGINT NOT NULL,
  prediction TEXT NOT NULL,
  label TEXT NOT NULL,
  bin INTEGER NOT NULL,
  delay INTEGER NOT NULL,
  n BIGINT NOT NULL,
  csum DOUBLE PRECISION NOT NULL,
  correct BIGINT NOT NULL,
  rn BIGINT NOT NULL,
  rabs DOUBLE PRECISION NOT NULL,
  rsq DOUBLE PRECISION NOT NULL,
  rs DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (model, minute, variant, prediction, label, bin, delay)
);
CREATE TABLE IF NOT EXISTS performance_history (
  id BIGSERIAL PRIMARY KEY,
  model TEXT NOT NULL,
  win TEXT NOT NULL,
  evaluated_at TEXT NOT NULL,
  report JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS performance_history_model ON performance_history (model, win, id);
`;

/** A record with its label (if any) and events, in the shared PredictionRow shape. */
const RECORD_SELECT = `SELECT p.*, l.label_text, l.label_value, l.label_ms, l.label_seq, (SELECT json_agg(json_build_object('event', e.event, 'value', e.value, 'time_ms', e.time_ms) ORDER BY e.time_ms, e.event)
  FROM prediction_events e WHERE e.model = p.model AND e.prediction_id = p.id) AS events
  FROM predictions p LEFT JOIN prediction_labels l ON l.model = p.model AND l.id = p.id`;

/**
 * The record of each id of a batch, by primary key. A LATERAL subquery with LIMIT cannot be
 * flattened, so PostgreSQL must probe the primary key once per id: as a plain join, whenever the
 * statistics are stale (a young table, autovacuum not yet run) the planner hashed a scan of the
 * whole log for every batch, which made 1M labels take minutes instead of seconds.
 */
const BY_ID = 'SELECT p.model, p.id, p.variant, p.version, p.time_ms, p.prediction, p.confidence FROM predictions p WHERE p.model = $1 AND p.id = f.id LIMIT 1';

/** What the label join returns and erasure deletes: a label with the record columns the rollup needs. */
type JoinedRow = Omit<LabelledRow, 'version' | 'label_seq'>;

const DELAY_EDGES_MS = DELAY_EDGES_SECONDS.map((s) => s * 1000);

/**
 * The rollup deltas of the rows of CTE `joined` (labels just joined), grouped by rollup key and
 * added in one statement: the same arithmetic as RollupBatch (rollup.ts), in SQL, so 10,000 joined
 * rows never travel back to the collector. `edges` is the parameter holding DELAY_EDGES_MS:
 * width_bucket counts the edges ≤ the delay, which is delayBucket's index. A class answer is right when its JSON equals the label's
 * JSON (a string answer) or its JSON text equals the label (a number: JSON text = String(number)).
 */
const rollupFromJoined = (edges: string) => `
  INSERT INTO performance_rollup (model, variant, minute, prediction, label, bin, delay, n, csum, correct, rn, rabs, rsq, rs)
  SELECT $1, variant, minute, prediction, label, bin, delay, COUNT(*), COALESCE(SUM(c), 0), COUNT(*) FILTER (WHERE correct),
    COUNT(e), COALESCE(SUM(ABS(e)), 0), COALESCE(SUM(e * e), 0), COALESCE(SUM(e), 0)
  FROM (
    SELECT variant, floor(time_ms / 60000.0)::bigint AS minute,
      CASE WHEN label_text IS NULL THEN '#' ELSE prediction END AS prediction,
      COALESCE(label_text, '') AS label,
      CASE WHEN label_text IS NULL OR confidence IS NULL THEN -1 ELSE LEAST(${CALIBRATION_BINS - 1}, GREATEST(0, floor(confidence * ${CALIBRATION_BINS})))::int END AS bin,
      width_bucket(label_ms - time_ms, ${edges}::bigint[]) AS delay,
      CASE WHEN label_text IS NOT NULL THEN LEAST(1, GREATEST(0, confidence)) END AS c,
      label_text IS NOT NULL AND prediction <> 'null'
        AND (prediction = to_json(label_text)::text OR (left(prediction, 1) <> '"' AND prediction = label_text)) AS correct,
      CASE WHEN label_text IS NULL AND prediction ~ '^-?[0-9]' THEN prediction::float8 - label_value END AS e
    FROM joined WHERE label_text IS NOT NULL OR label_value IS NOT NULL
  ) r
  GROUP BY variant, minute, prediction, label, bin, delay
  ORDER BY minute, variant COLLATE "C", prediction COLLATE "C", label COLLATE "C", bin, delay
  ON CONFLICT (model, minute, variant, prediction, label, bin, delay) DO UPDATE SET
    n = performance_rollup.n + excluded.n, csum = performance_rollup.csum + excluded.csum,
    correct = performance_rollup.correct + excluded.correct, rn = performance_rollup.rn + excluded.rn,
    rabs = performance_rollup.rabs + excluded.rabs, rsq = performance_rollup.rsq + excluded.rsq, rs = performance_rollup.rs + excluded.rs`;

/** Batches with at least this many labels are joined by two transactions at once. */
const PARALLEL_JOIN_FROM = 2_000;

/**
 * The label join of one batch: $2–$5 are the items' ids, labels, values and times in item order.
 * Each id probes its record by primary key (BY_ID); the labels table's primary key keeps the first
 * label (ON CONFLICT DO NOTHING); the new labels' rollup deltas are added (rollupFromJoined) in the
 * same statement, so only ids come back. Sequence values are drawn in item order (rows leave the
 * ordinality scan in order, no sort, and a volatile output column is evaluated per row as they go),
 * so arrival order follows the batch; a value drawn for a duplicate is a harmless gap.
 */
const JOIN_LABELS = `WITH joined AS (
    INSERT INTO prediction_labels (${LABEL_COLUMNS})
    SELECT p.model, p.id, p.variant, p.version, p.time_ms, p.prediction, p.confidence, f.label, f.value, f.at, nextval('label_seq')
    FROM unnest($2::text[], $3::text[], $4::float8[], $5::bigint[]) WITH ORDINALITY AS f(id, label, value, at, ord)
    CROSS JOIN LATERAL (${BY_ID}) p
    ORDER BY f.ord
    ON CONFLICT DO NOTHING
    RETURNING id, variant, time_ms, prediction, confidence, label_text, label_value, label_ms
  ), rolled AS (${rollupFromJoined('$6')})
  SELECT id FROM joined`;

/**
 * Held labels of a batch of new records ($2: the records' ids) join like any label, in one
 * statement; those that arrived before $3 are past the grace period and left to expire.
 */
const JOIN_PENDING = `WITH moved AS (
    DELETE FROM prediction_pending WHERE model = $1 AND id = ANY($2::text[]) AND arrived_ms >= $3
    RETURNING id, label_text, label_value, label_ms, arrived_ms
  ), joined AS (
    INSERT INTO prediction_labels (${LABEL_COLUMNS})
    SELECT p.model, p.id, p.variant, p.version, p.time_ms, p.prediction, p.confidence, f.label_text, f.label_value, f.label_ms, nextval('label_seq')
    FROM (SELECT * FROM moved ORDER BY arrived_ms, id) f
    CROSS JOIN LATERAL (${BY_ID}) p
    ON CONFLICT DO NOTHING
    RETURNING id, variant, time_ms, prediction, confidence, label_text, label_value, label_ms
  ), rolled AS (${rollupFromJoined('$4')})
  SELECT COUNT(*)::int AS n FROM joined`;

const COLUMN_TYPES = ['text', 'text', 'bigint', 'bigint', 'text', 'text', 'text', 'text', 'text', 'float8', 'text', 'text', 'jsonb'];

/**
 * The prediction log in PostgreSQL. Batches go in as one statement over `unnest` arrays (one round
 * trip per batch, which is what makes ≥ 20,000 records/s possible); labels go into their own table,
 * numbered in arrival order by a sequence drawn inside the join statement (JOIN_LABELS).
 */
export class PostgresPredictionStore implements PredictionStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string): Promise<PostgresPredictionStore> {
    return new PostgresPredictionStore(await openPool(connectionString, SCHEMA, SchemaLock.predictions));
  }

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.pool, fn);
  }

  async putPredictions(model: string, records: readonly PredictionRecord[], receivedMs: number, pendingFromMs = 0): Promise<PutPredictionsResult> {
    if (records.length === 0) return { accepted: 0, duplicate: 0, labelsJoined: 0 };
    const columns: unknown[][] = COLUMN_TYPES.map(() => []);
    for (const r of records) recordColumns(model, r, receivedMs).forEach((v, i) => columns[i].push(v));
    const params = columns.map((_, i) => `$${i + 1}::${COLUMN_TYPES[i]}[]`).join(', ');
    // One statement stores the batch and says whether the model holds labels at all (rare): only
    // then does a second statement join them. That one takes every id of the batch, not only the
    // accepted ones, so a batch resent after a failure between the two still joins its labels.
    const { rows } = await this.pool.query(
      `WITH ins AS (
         INSERT INTO predictions (model, id, time_ms, received_ms, version, variant, stage, pipeline, prediction, confidence, trace_id, subject, payload)
         SELECT * FROM unnest(${params}) ON CONFLICT DO NOTHING RETURNING 1
       )
       SELECT (SELECT COUNT(*) FROM ins)::int AS accepted, EXISTS (SELECT 1 FROM prediction_pending WHERE model = $${columns.length + 1}) AS held`,
      [...columns, model],
    );
    const accepted = rows[0].accepted as number;
    let labelsJoined = 0;
    if (rows[0].held) {
      const { rows: joined } = await this.pool.query(JOIN_PENDING, [model, records.map((r) => r.id), pendingFromMs, DELAY_EDGES_MS]);
      labelsJoined = joined[0].n as number;
    }
    return { accepted, duplicate: records.length - accepted, labelsJoined };
  }

  async expirePending(beforeMs: number): Promise<ExpiredPending[]> {
    const { rows } = await this.pool.query(
      `WITH gone AS (DELETE FROM prediction_pending WHERE arrived_ms < $1 RETURNING model)
       SELECT model, COUNT(*)::int AS n FROM gone GROUP BY model ORDER BY model`,
      [beforeMs],
    );
    return rows.map((r) => ({ model: r.model as string, expired: r.n as number }));
  }

  async pendingCount(model: string): Promise<number> {
    const { rows } = await this.pool.query('SELECT COUNT(*)::int AS n FROM prediction_pending WHERE model = $1', [model]);
    return rows[0].n as number;
  }

  async applyFeedback(model: string, items: readonly FeedbackItem[], ctx: FeedbackContext): Promise<FeedbackOutcome[]> {
    const outcomes: (FeedbackOutcome | undefined)[] = items.map((item) => precheck(item, ctx));
    // Within one batch the first item of an (id, kind) wins; later ones are duplicates, as if sent later.
    const seen = new Set<string>();
    const labels: number[] = [];
    const events: number[] = [];
    items.forEach((item, i) => {
      if (outcomes[i]) return;
      const key = isEventFeedback(item) ? `${item.predictionId}\u0000e\u0000${item.event}` : `${item.predictionId}\u0000l`;
      if (seen.has(key)) outcomes[i] = 'duplicate';
      else {
        seen.add(key);
        (isEventFeedback(item) ? events : labels).push(i);
      }
    });
    // A large batch's labels are joined by two transactions at once: the join is the database's
    // CPU, and a second backend uses a second core (1M labels: docs/performance.md). The halves
    // hold disjoint ids; their rollup upserts take row locks in key order, so they never deadlock.
    // Each item's outcome is exact either way; if one half fails the request fails, and a resend
    // answers the other half's labels as duplicates (first label wins).
    const halves = labels.length >= PARALLEL_JOIN_FROM ? [labels.slice(0, labels.length >> 1), labels.slice(labels.length >> 1)] : [labels];
    await Promise.all(
      halves.map((part, k) =>
        this.tx(async (c) => {
          if (part.length > 0) await this.joinLabels(c, model, items, part, outcomes, ctx);
          if (k === 0) await this.joinEvents(c, model, items, events, outcomes, ctx);
        }),
      ),
    );
    return outcomes as FeedbackOutcome[];
  }

  /** Labels: one statement (JOIN_LABELS) joins them and adds them to the rollup; one lookup of the misses says why they missed. */
  private async joinLabels(
    c: pg.PoolClient,
    model: string,
    items: readonly FeedbackItem[],
    labels: readonly number[],
    outcomes: (FeedbackOutcome | undefined)[],
    ctx: FeedbackContext,
  ): Promise<void> {
    const it = labels.map((i) => items[i] as LabelFeedback);
    const { rows: joinedRows } = await c.query(JOIN_LABELS, [
      model,
      it.map((x) => x.predictionId),
      it.map((x) => x.label ?? null),
      it.map((x) => x.value ?? null),
      it.map((x) => feedbackMs(x, ctx)),
      DELAY_EDGES_MS,
    ]);
    const joined = new Set(joinedRows.map((r) => r.id as string));
    const missed = it.filter((x) => !joined.has(x.predictionId)).map((x) => x.predictionId);
    const exists = await this.storedIds(c, model, missed);
    for (const i of labels) {
      const id = items[i].predictionId;
      outcomes[i] = joined.has(id) ? 'accepted' : exists.has(id) ? 'duplicate' : missingOutcome(items[i], ctx);
    }
    await this.holdLabels(c, model, items, labels.filter((i) => outcomes[i] === 'unknown_id'), outcomes, ctx);
  }

  /** User signals: one per prediction and name, for stored records only. */
  private async joinEvents(
    c: pg.PoolClient,
    model: string,
    items: readonly FeedbackItem[],
    events: readonly number[],
    outcomes: (FeedbackOutcome | undefined)[],
    ctx: FeedbackContext,
  ): Promise<void> {
    const existing = await this.storedIds(c, model, [...new Set(events.map((i) => items[i].predictionId))]);
    const newEvents = events.filter((i) => {
      if (!existing.has(items[i].predictionId)) {
        outcomes[i] = missingOutcome(items[i], ctx);
        return false;
      }
      return true;
    });
    if (newEvents.length > 0) {
      const ev = newEvents.map((i) => items[i] as EventFeedback);
      const { rows } = await c.query(
        `INSERT INTO prediction_events (model, prediction_id, event, value, time_ms)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::float8[], $5::bigint[]) ON CONFLICT DO NOTHING
         RETURNING prediction_id, event`,
        [model, ev.map((x) => x.predictionId), ev.map((x) => x.event), ev.map((x) => x.value ?? null), ev.map((x) => feedbackMs(x, ctx))],
      );
      const inserted = new Set(rows.map((r) => `${r.prediction_id}\u0000${r.event}`));
      for (const i of newEvents) {
        const e = items[i] as EventFeedback;
        outcomes[i] = inserted.has(`${e.predictionId}\u0000${e.event}`) ? 'accepted' : 'duplicate';
      }
    }
  }

  /**
   * Labels for records not stored yet: already held → duplicate; held while the model has room
   * (outcome pending); the rest stay unknown_id.
   */
  private async holdLabels(
    c: pg.PoolClient,
    model: string,
    items: readonly FeedbackItem[],
    missing: readonly number[],
    outcomes: (FeedbackOutcome | undefined)[],
    ctx: FeedbackContext,
  ): Promise<void> {
    const max = ctx.maxPending ?? 0;
    if (missing.length === 0 || max <= 0) return;
    const ids = missing.map((i) => items[i].predictionId);
    const { rows: held } = await c.query('SELECT id FROM prediction_pending WHERE model = $1 AND id = ANY($2::text[])', [model, ids]);
    const already = new Set(held.map((r) => r.id as string));
    const { rows: count } = await c.query('SELECT COUNT(*)::int AS n FROM prediction_pending WHERE model = $1', [model]);
    let room = max - (count[0].n as number);
    const hold: LabelFeedback[] = [];
    for (const i of missing) {
      const item = items[i] as LabelFeedback;
      if (already.has(item.predictionId)) outcomes[i] = 'duplicate';
      else if (room > 0) {
        room--;
        hold.push(item);
        outcomes[i] = 'pending';
      }
    }
    if (hold.length === 0) return;
    await c.query(
      `INSERT INTO prediction_pending (model, id, label_text, label_value, label_ms, arrived_ms)
       SELECT $1, *, $6 FROM unnest($2::text[], $3::text[], $4::float8[], $5::bigint[]) ON CONFLICT DO NOTHING`,
      [model, hold.map((x) => x.predictionId), hold.map((x) => x.label ?? null), hold.map((x) => x.value ?? null), hold.map((x) => feedbackMs(x, ctx)), ctx.nowMs],
    );
  }

  /** Which of `ids` have a stored record (a join on the primary key, whatever the batch size). */
  private async storedIds(c: pg.PoolClient, model: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await c.query(`SELECT p.id FROM unnest($2::text[]) AS f(id) CROSS JOIN LATERAL (${BY_ID}) p`, [model, ids]);
    return new Set(rows.map((r) => r.id as string));
  }

  /** Erasure: removes deleted labels' contributions from the rollup. */
  private async subtractFromRollup(c: pg.PoolClient, model: string, rows: readonly JoinedRow[]): Promise<void> {
    const batch = new RollupBatch(-1);
    for (const r of rows) {
      batch.add({
        variant: r.variant,
        timeMs: Number(r.time_ms),
        prediction: r.prediction,
        confidence: r.confidence,
        label: r.label_text,
        value: r.label_text === null ? r.label_value : null,
        labelMs: Number(r.label_ms),
      });
    }
    await this.writeRollup(c, model, batch);
  }

  /** Adds a batch's deltas to the rollup (inside the caller's transaction). */
  private async writeRollup(c: pg.PoolClient, model: string, batch: RollupBatch): Promise<void> {
    const deltas = batch.values();
    if (deltas.length === 0) return;
    const col = <K extends keyof (typeof deltas)[number]>(k: K) => deltas.map((d) => d[k]);
    await c.query(
      `INSERT INTO performance_rollup (model, variant, minute, prediction, label, bin, delay, n, csum, correct, rn, rabs, rsq, rs)
       SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::int[], $8::bigint[], $9::float8[],
         $10::bigint[], $11::bigint[], $12::float8[], $13::float8[], $14::float8[])
       ON CONFLICT (model, minute, variant, prediction, label, bin, delay) DO UPDATE SET
         n = performance_rollup.n + excluded.n, csum = performance_rollup.csum + excluded.csum,
         correct = performance_rollup.correct + excluded.correct, rn = performance_rollup.rn + excluded.rn,
         rabs = performance_rollup.rabs + excluded.rabs, rsq = performance_rollup.rsq + excluded.rsq, rs = performance_rollup.rs + excluded.rs`,
      [model, col('variant'), col('minute'), col('prediction'), col('label'), col('bin'), col('delay'), col('n'), col('csum'), col('correct'), col('rn'), col('rabs'), col('rsq'), col('rs')],
    );
    // An erasure that empties a row removes it (what is left of its float sums is rounding).
    if (batch.sign < 0) await c.query('DELETE FROM performance_rollup WHERE model = $1 AND minute = ANY($2::bigint[]) AND n <= 0', [model, batch.minutes()]);
  }

  async getPrediction(model: string, id: string): Promise<StoredPrediction | undefined> {
    const { rows } = await this.pool.query(`${RECORD_SELECT} WHERE p.model = $1 AND p.id = $2`, [model, id]);
    return rows[0] ? toStoredPrediction(model, rows[0] as PredictionRow) : undefined;
  }

  async predictions(model: string, q: PredictionQuery): Promise<StoredPrediction[]> {
    const args: unknown[] = [model, q.fromMs, q.toMs];
    const where = ['p.model = $1', 'p.time_ms > $2', 'p.time_ms <= $3'];
    if (q.labelled !== undefined) where.push(q.labelled ? 'l.label_ms IS NOT NULL' : 'l.label_ms IS NULL');
    if (q.variant !== undefined) {
      args.push(q.variant);
      where.push(`p.variant = $${args.length}`);
    }
    if (q.after !== undefined) {
      args.push(q.after.timeMs, q.after.id);
      where.push(`(p.time_ms > $${args.length - 1} OR (p.time_ms = $${args.length - 1} AND p.id COLLATE "C" > $${args.length}))`);
    }
    args.push(q.limit);
    const { rows } = await this.pool.query(
      `${RECORD_SELECT} WHERE ${where.join(' AND ')} ORDER BY p.time_ms, p.id COLLATE "C" LIMIT $${args.length}`,
      args,
    );
    return rows.map((r) => toStoredPrediction(model, r as PredictionRow));
  }

  async labelledPredictions(model: string, fromMs: number, toMs: number): Promise<LabelledPrediction[]> {
    const { rows } = await this.pool.query(
      `SELECT ${LABELLED_COLUMNS} FROM prediction_labels WHERE model = $1 AND time_ms > $2 AND time_ms <= $3 ORDER BY label_seq`,
      [model, fromMs, toMs],
    );
    return rows.map((r) => toLabelled(r as LabelledRow));
  }

  async labelsSince(model: string, afterSeq: number, limit: number): Promise<LabelledPrediction[]> {
    const { rows } = await this.pool.query(
      `SELECT ${LABELLED_COLUMNS} FROM prediction_labels WHERE model = $1 AND label_seq > $2 ORDER BY label_seq LIMIT $3`,
      [model, afterSeq, limit],
    );
    return rows.map((r) => toLabelled(r as LabelledRow));
  }

  async performanceCounts(model: string, fromMs: number, toMs: number): Promise<VariantPerformanceCounts[]> {
    const [from, to] = windowMinutes(fromMs, toMs);
    const { rows } = await this.pool.query(
      `SELECT variant, prediction, label, bin, delay, SUM(n) AS n, SUM(csum) AS csum, SUM(correct) AS correct,
         SUM(rn) AS rn, SUM(rabs) AS rabs, SUM(rsq) AS rsq, SUM(rs) AS rs
       FROM performance_rollup WHERE model = $1 AND minute > $2 AND minute <= $3
       GROUP BY variant, prediction, label, bin, delay`,
      [model, from, to],
    );
    return assembleCounts(rows as RollupRow[]);
  }

  async predictionCounts(model: string, fromMs: number, toMs: number): Promise<PredictionCounts[]> {
    const totals = await this.pool.query(
      `SELECT variant, COUNT(*)::int AS predictions FROM predictions
       WHERE model = $1 AND time_ms > $2 AND time_ms <= $3 GROUP BY variant ORDER BY variant COLLATE "C"`,
      [model, fromMs, toMs],
    );
    const labelled = await this.pool.query(
      'SELECT variant, COUNT(*)::int AS n FROM prediction_labels WHERE model = $1 AND time_ms > $2 AND time_ms <= $3 GROUP BY variant',
      [model, fromMs, toMs],
    );
    const labelledBy = new Map(labelled.rows.map((r) => [r.variant as string, r.n as number]));
    const events = await this.pool.query(
      `SELECT p.variant, e.event, COUNT(*)::int AS n FROM prediction_events e
       JOIN predictions p ON p.model = e.model AND p.id = e.prediction_id
       WHERE p.model = $1 AND p.time_ms > $2 AND p.time_ms <= $3 GROUP BY p.variant, e.event`,
      [model, fromMs, toMs],
    );
    return totals.rows.map((t) => ({
      variant: t.variant,
      predictions: t.predictions,
      labelled: labelledBy.get(t.variant) ?? 0,
      events: Object.fromEntries(events.rows.filter((e) => e.variant === t.variant).map((e) => [e.event, e.n])),
    }));
  }

  async predictionModels(): Promise<string[]> {
    const { rows } = await this.pool.query('SELECT model FROM predictions GROUP BY model ORDER BY model COLLATE "C"');
    return rows.map((r) => r.model as string);
  }

  async deleteBySubject(model: string, subject: string): Promise<number> {
    return this.tx(async (c) => {
      const { rows: erased } = await c.query(
        `DELETE FROM prediction_labels l USING predictions p WHERE p.model = $1 AND p.subject = $2 AND l.model = p.model AND l.id = p.id
         RETURNING l.id, l.variant, l.time_ms, l.prediction, l.confidence, l.label_text, l.label_value, l.label_ms`,
        [model, subject],
      );
      await this.subtractFromRollup(c, model, erased as JoinedRow[]);
      await c.query(
        'DELETE FROM prediction_events WHERE model = $1 AND prediction_id IN (SELECT id FROM predictions WHERE model = $1 AND subject = $2)',
        [model, subject],
      );
      const res = await c.query('DELETE FROM predictions WHERE model = $1 AND subject = $2', [model, subject]);
      return res.rowCount ?? 0;
    });
  }

  async prunePredictions(beforeMs: number): Promise<number> {
    return this.tx(async (c) => {
      await c.query(
        `DELETE FROM prediction_events e USING predictions p
         WHERE p.model = e.model AND p.id = e.prediction_id AND p.time_ms < $1`,
        [beforeMs],
      );
      await c.query('DELETE FROM prediction_labels WHERE time_ms < $1', [beforeMs]);
      await c.query('DELETE FROM performance_rollup WHERE minute < $1', [Math.floor(beforeMs / 60_000)]);
      const res = await c.query('DELETE FROM predictions WHERE time_ms < $1', [beforeMs]);
      return res.rowCount ?? 0;
    });
  }

  async detectorStates(model: string): Promise<DetectorStateRow[]> {
    const { rows } = await this.pool.query(
      'SELECT variant, detector, state, cursor FROM detector_state WHERE model = $1 ORDER BY variant COLLATE "C", detector COLLATE "C"',
      [model],
    );
    return rows.map((r) => ({ variant: r.variant, detector: r.detector, state: r.state, cursor: Number(r.cursor) }));
  }

  async putDetectorStates(model: string, rows: readonly DetectorStateRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(
      `INSERT INTO detector_state (model, variant, detector, state, cursor)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::bigint[])
       ON CONFLICT (model, variant, detector) DO UPDATE SET state = excluded.state, cursor = excluded.cursor`,
      [model, rows.map((r) => r.variant), rows.map((r) => r.detector), rows.map((r) => JSON.stringify(r.state)), rows.map((r) => r.cursor)],
    );
  }

  async appendPerformance(report: PerformanceReport, evaluatedAt: string): Promise<void> {
    await this.pool.query('INSERT INTO performance_history (model, win, evaluated_at, report) VALUES ($1, $2, $3, $4)', [
      report.model,
      report.window,
      evaluatedAt,
      JSON.stringify(report),
    ]);
  }

  async performanceHistory(model: string, limit: number, window?: string): Promise<StoredPerformanceReport[]> {
    const { rows } = await this.pool.query(
      historyQuery('performance_history', 'postgres', window !== undefined),
      window === undefined ? [model, limit] : [model, window, limit],
    );
    return rows.map((r) => ({ evaluatedAt: r.evaluated_at as string, report: r.report as PerformanceReport }));
  }

  async prunePerformanceHistory(keep: number): Promise<void> {
    await this.pool.query(pruneHistoryQuery('performance_history', 'postgres'), [keep]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

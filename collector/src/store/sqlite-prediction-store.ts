import Database from 'better-sqlite3';
import { isEventFeedback, type FeedbackItem, type FeedbackOutcome, type PredictionRecord } from '@modelwatch/core';
import { feedbackMs, missingOutcome, precheck } from './feedback-rules.js';
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
import { historyQuery, pruneHistoryQuery } from './report-history.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS predictions (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  version TEXT NOT NULL,
  variant TEXT NOT NULL,
  stage TEXT NOT NULL,
  pipeline TEXT,
  prediction TEXT NOT NULL,
  confidence REAL,
  trace_id TEXT,
  subject TEXT,
  payload TEXT NOT NULL,
  label_text TEXT,
  label_value REAL,
  label_ms INTEGER,
  label_seq INTEGER,
  PRIMARY KEY (model, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS predictions_time ON predictions (model, time_ms);
CREATE INDEX IF NOT EXISTS predictions_label_seq ON predictions (model, label_seq) WHERE label_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS predictions_subject ON predictions (model, subject) WHERE subject IS NOT NULL;
CREATE TABLE IF NOT EXISTS prediction_events (
  model TEXT NOT NULL,
  prediction_id TEXT NOT NULL,
  event TEXT NOT NULL,
  value REAL,
  time_ms INTEGER NOT NULL,
  PRIMARY KEY (model, prediction_id, event)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS detector_state (
  model TEXT NOT NULL,
  variant TEXT NOT NULL,
  detector TEXT NOT NULL,
  state TEXT NOT NULL,
  cursor INTEGER NOT NULL,
  PRIMARY KEY (model, variant, detector)
);
CREATE TABLE IF NOT EXISTS performance_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model TEXT NOT NULL,
  win TEXT NOT NULL,
  evaluated_at TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS performance_history_model ON performance_history (model, win, id);
CREATE TABLE IF NOT EXISTS performance_rollup (
  model TEXT NOT NULL,
  variant TEXT NOT NULL,
  minute INTEGER NOT NULL,
  prediction TEXT NOT NULL,
  label TEXT NOT NULL,
  bin INTEGER NOT NULL,
  delay INTEGER NOT NULL,
  n INTEGER NOT NULL,
  csum REAL NOT NULL,
  correct INTEGER NOT NULL,
  rn INTEGER NOT NULL,
  rabs REAL NOT NULL,
  rsq REAL NOT NULL,
  rs REAL NOT NULL,
  PRIMARY KEY (model, minute, variant, prediction, label, bin, delay)
) WITHOUT ROWID;
-- Labels whose record has not arrived yet (records ship asynchronously from the sidecars).
CREATE TABLE IF NOT EXISTS prediction_pending (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  label_text TEXT,
  label_value REAL,
  label_ms INTEGER NOT NULL,
  arrived_ms INTEGER NOT NULL,
  PRIMARY KEY (model, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS prediction_pending_arrived ON prediction_pending (arrived_ms);
CREATE TABLE IF NOT EXISTS label_sequence (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO label_sequence (one, value) VALUES (1, 0);
`;

const EVENTS_JSON = `(SELECT json_group_array(json_object('event', e.event, 'value', e.value, 'time_ms', e.time_ms))
  FROM prediction_events e WHERE e.model = p.model AND e.prediction_id = p.id) AS events`;

/**
 * The prediction log in SQLite (the collector's default file, a connection of its own). Each
 * batch is one transaction; label arrival order comes from a counter row updated in the same
 * transaction, so it is gap-tolerant but never reorders across a restart.
 */
export class SqlitePredictionStore implements PredictionStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly putTx: (model: string, records: readonly PredictionRecord[], receivedMs: number, pendingFromMs: number) => PutPredictionsResult;
  private readonly countPending: (model: string) => number;
  private readonly feedbackTx: (model: string, items: readonly FeedbackItem[], ctx: FeedbackContext) => FeedbackOutcome[];
  /** Adds a batch's deltas to the rollup (inside the caller's transaction). */
  private readonly writeRollup: (model: string, batch: RollupBatch) => void;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare(
      `INSERT INTO predictions (model, id, time_ms, received_ms, version, variant, stage, pipeline, prediction, confidence, trace_id, subject, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    const lookup = this.db.prepare('SELECT 1 FROM predictions WHERE model = ? AND id = ?');
    const setLabel = this.db.prepare(
      `UPDATE predictions SET label_text = ?, label_value = ?, label_ms = ?, label_seq = ? WHERE model = ? AND id = ? AND label_ms IS NULL
       RETURNING variant, time_ms, prediction, confidence`,
    );
    const rollup = this.db.prepare(
      `INSERT INTO performance_rollup (model, variant, minute, prediction, label, bin, delay, n, csum, correct, rn, rabs, rsq, rs)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET n = n + excluded.n, csum = csum + excluded.csum, correct = correct + excluded.correct,
         rn = rn + excluded.rn, rabs = rabs + excluded.rabs, rsq = rsq + excluded.rsq, rs = rs + excluded.rs`,
    );
    const addEvent = this.db.prepare(
      'INSERT INTO prediction_events (model, prediction_id, event, value, time_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const readSeq = this.db.prepare('SELECT value FROM label_sequence WHERE one = 1');
    const writeSeq = this.db.prepare('UPDATE label_sequence SET value = ? WHERE one = 1');
    const anyPending = this.db.prepare('SELECT 1 FROM prediction_pending WHERE model = ? LIMIT 1');
    const takePending = this.db.prepare(
      'DELETE FROM prediction_pending WHERE model = ? AND id = ? AND arrived_ms >= ? RETURNING label_text, label_value, label_ms',
    );
    const isPending = this.db.prepare('SELECT 1 FROM prediction_pending WHERE model = ? AND id = ?');
    const countPending = this.db.prepare('SELECT COUNT(*) AS n FROM prediction_pending WHERE model = ?');
    const hold = this.db.prepare(
      'INSERT INTO prediction_pending (model, id, label_text, label_value, label_ms, arrived_ms) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.countPending = (model) => (countPending.get(model) as { n: number }).n;
    this.putTx = this.db.transaction((model: string, records: readonly PredictionRecord[], receivedMs: number, pendingFromMs: number) => {
      // Held labels of the new records join below (one indexed probe skips that when the model has none).
      const fresh: PredictionRecord[] | undefined = anyPending.get(model) ? [] : undefined;
      let accepted = 0;
      for (const r of records) {
        if (this.insert.run(...recordColumns(model, r, receivedMs)).changes > 0) {
          accepted++;
          fresh?.push(r);
        }
      }
      let labelsJoined = 0;
      if (fresh && fresh.length > 0) {
        let seq = (readSeq.get() as { value: number }).value;
        const batch = new RollupBatch();
        for (const r of fresh) {
          const held = takePending.get(model, r.id, pendingFromMs) as { label_text: string | null; label_value: number | null; label_ms: number } | undefined;
          if (!held) continue;
          const joined = setLabel.get(held.label_text, held.label_value, held.label_ms, ++seq, model, r.id) as
            | { variant: string; time_ms: number; prediction: string; confidence: number | null }
            | undefined;
          if (!joined) continue;
          labelsJoined++;
          batch.add({
            variant: joined.variant,
            timeMs: joined.time_ms,
            prediction: joined.prediction,
            confidence: joined.confidence,
            label: held.label_text,
            value: held.label_text === null ? held.label_value : null,
            labelMs: held.label_ms,
          });
        }
        writeSeq.run(seq);
        this.writeRollup(model, batch);
      }
      return { accepted, duplicate: records.length - accepted, labelsJoined };
    });
    this.feedbackTx = this.db.transaction((model: string, items: readonly FeedbackItem[], ctx: FeedbackContext) => {
      let seq = (readSeq.get() as { value: number }).value;
      let pending: number | undefined;
      const batch = new RollupBatch();
      const outcomes = items.map((item): FeedbackOutcome => {
        const refused = precheck(item, ctx);
        if (refused) return refused;
        const at = feedbackMs(item, ctx);
        if (!isEventFeedback(item)) {
          // The common case first: one UPDATE joins the label; only a miss needs the lookup that says why.
          const joined = setLabel.get(item.label ?? null, item.value ?? null, at, seq + 1, model, item.predictionId) as
            | { variant: string; time_ms: number; prediction: string; confidence: number | null }
            | undefined;
          if (joined) {
            seq++;
            batch.add({
              variant: joined.variant,
              timeMs: joined.time_ms,
              prediction: joined.prediction,
              confidence: joined.confidence,
              label: item.label ?? null,
              value: item.label === undefined ? (item.value ?? null) : null,
              labelMs: at,
            });
            return 'accepted';
          }
          if (lookup.get(model, item.predictionId)) return 'duplicate';
          const missing = missingOutcome(item, ctx);
          if (missing !== 'unknown_id' || (ctx.maxPending ?? 0) <= 0) return missing;
          // No record yet: hold the label while the model has room (it joins when the record arrives).
          if (isPending.get(model, item.predictionId)) return 'duplicate';
          pending ??= this.countPending(model);
          if (pending >= ctx.maxPending!) return 'unknown_id';
          hold.run(model, item.predictionId, item.label ?? null, item.value ?? null, at, ctx.nowMs);
          pending++;
          return 'pending';
        }
        if (!lookup.get(model, item.predictionId)) return missingOutcome(item, ctx);
        return addEvent.run(model, item.predictionId, item.event, item.value ?? null, at).changes > 0 ? 'accepted' : 'duplicate';
      });
      writeSeq.run(seq);
      this.writeRollup(model, batch);
      return outcomes;
    });
    const dropEmpty = this.db.prepare('DELETE FROM performance_rollup WHERE model = ? AND minute = ? AND n <= 0');
    this.writeRollup = (model, batch) => {
      for (const d of batch.values()) {
        rollup.run(model, d.variant, d.minute, d.prediction, d.label, d.bin, d.delay, d.n, d.csum, d.correct, d.rn, d.rabs, d.rsq, d.rs);
      }
      // An erasure that empties a row removes it (what is left of its float sums is rounding).
      if (batch.sign < 0) for (const m of batch.minutes()) dropEmpty.run(model, m);
    };
  }

  async putPredictions(model: string, records: readonly PredictionRecord[], receivedMs: number, pendingFromMs = 0): Promise<PutPredictionsResult> {
    return this.putTx(model, records, receivedMs, pendingFromMs);
  }

  async expirePending(beforeMs: number): Promise<ExpiredPending[]> {
    const rows = this.db
      .prepare('DELETE FROM prediction_pending WHERE arrived_ms < ? RETURNING model')
      .all(beforeMs) as { model: string }[];
    const by = new Map<string, number>();
    for (const r of rows) by.set(r.model, (by.get(r.model) ?? 0) + 1);
    return [...by].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([model, expired]) => ({ model, expired }));
  }

  async pendingCount(model: string): Promise<number> {
    return this.countPending(model);
  }

  async applyFeedback(model: string, items: readonly FeedbackItem[], ctx: FeedbackContext): Promise<FeedbackOutcome[]> {
    return this.feedbackTx(model, items, ctx);
  }

  async getPrediction(model: string, id: string): Promise<StoredPrediction | undefined> {
    const row = this.db.prepare(`SELECT p.*, ${EVENTS_JSON} FROM predictions p WHERE p.model = ? AND p.id = ?`).get(model, id) as
      | PredictionRow
      | undefined;
    return row ? toStoredPrediction(model, row) : undefined;
  }

  async predictions(model: string, q: PredictionQuery): Promise<StoredPrediction[]> {
    const where = ['p.model = ?', 'p.time_ms > ?', 'p.time_ms <= ?'];
    const args: unknown[] = [model, q.fromMs, q.toMs];
    if (q.labelled !== undefined) where.push(q.labelled ? 'p.label_ms IS NOT NULL' : 'p.label_ms IS NULL');
    if (q.variant !== undefined) {
      where.push('p.variant = ?');
      args.push(q.variant);
    }
    if (q.after !== undefined) {
      where.push('(p.time_ms > ? OR (p.time_ms = ? AND p.id > ?))');
      args.push(q.after.timeMs, q.after.timeMs, q.after.id);
    }
    args.push(q.limit);
    const rows = this.db
      .prepare(`SELECT p.*, ${EVENTS_JSON} FROM predictions p WHERE ${where.join(' AND ')} ORDER BY p.time_ms, p.id LIMIT ?`)
      .all(...args) as PredictionRow[];
    return rows.map((r) => toStoredPrediction(model, r));
  }

  async labelledPredictions(model: string, fromMs: number, toMs: number): Promise<LabelledPrediction[]> {
    const rows = this.db
      .prepare(
        `SELECT ${LABELLED_COLUMNS} FROM predictions
         WHERE model = ? AND time_ms > ? AND time_ms <= ? AND label_seq IS NOT NULL ORDER BY label_seq`,
      )
      .all(model, fromMs, toMs) as LabelledRow[];
    return rows.map(toLabelled);
  }

  async labelsSince(model: string, afterSeq: number, limit: number): Promise<LabelledPrediction[]> {
    const rows = this.db
      .prepare(`SELECT ${LABELLED_COLUMNS} FROM predictions WHERE model = ? AND label_seq > ? ORDER BY label_seq LIMIT ?`)
      .all(model, afterSeq, limit) as LabelledRow[];
    return rows.map(toLabelled);
  }

  async performanceCounts(model: string, fromMs: number, toMs: number): Promise<VariantPerformanceCounts[]> {
    const [from, to] = windowMinutes(fromMs, toMs);
    const rows = this.db
      .prepare(
        `SELECT variant, prediction, label, bin, delay, SUM(n) AS n, SUM(csum) AS csum, SUM(correct) AS correct,
           SUM(rn) AS rn, SUM(rabs) AS rabs, SUM(rsq) AS rsq, SUM(rs) AS rs
         FROM performance_rollup WHERE model = ? AND minute > ? AND minute <= ?
         GROUP BY variant, prediction, label, bin, delay`,
      )
      .all(model, from, to) as RollupRow[];
    return assembleCounts(rows);
  }

  async predictionCounts(model: string, fromMs: number, toMs: number): Promise<PredictionCounts[]> {
    const totals = this.db
      .prepare(
        `SELECT variant, COUNT(*) AS predictions, COUNT(label_ms) AS labelled FROM predictions
         WHERE model = ? AND time_ms > ? AND time_ms <= ? GROUP BY variant ORDER BY variant`,
      )
      .all(model, fromMs, toMs) as { variant: string; predictions: number; labelled: number }[];
    const events = this.db
      .prepare(
        `SELECT p.variant, e.event, COUNT(*) AS n FROM prediction_events e
         JOIN predictions p ON p.model = e.model AND p.id = e.prediction_id
         WHERE p.model = ? AND p.time_ms > ? AND p.time_ms <= ? GROUP BY p.variant, e.event`,
      )
      .all(model, fromMs, toMs) as { variant: string; event: string; n: number }[];
    return totals.map((t) => ({
      variant: t.variant,
      predictions: t.predictions,
      labelled: t.labelled,
      events: Object.fromEntries(events.filter((e) => e.variant === t.variant).map((e) => [e.event, e.n])),
    }));
  }

  async predictionModels(): Promise<string[]> {
    return (this.db.prepare('SELECT DISTINCT model FROM predictions ORDER BY model').all() as { model: string }[]).map((r) => r.model);
  }

  async deleteBySubject(model: string, subject: string): Promise<number> {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `DELETE FROM prediction_events WHERE model = ? AND prediction_id IN (SELECT id FROM predictions WHERE model = ? AND subject = ?)`,
        )
        .run(model, model, subject);
      const erased = this.db
        .prepare(
          `DELETE FROM predictions WHERE model = ? AND subject = ?
           RETURNING variant, time_ms, prediction, confidence, label_text, label_value, label_ms`,
        )
        .all(model, subject) as { variant: string; time_ms: number; prediction: string; confidence: number | null; label_text: string | null; label_value: number | null; label_ms: number | null }[];
      // The erased labels leave the rollup too: realized performance is then that of the remaining data.
      const batch = new RollupBatch(-1);
      for (const r of erased) {
        if (r.label_ms === null) continue;
        batch.add({
          variant: r.variant,
          timeMs: r.time_ms,
          prediction: r.prediction,
          confidence: r.confidence,
          label: r.label_text,
          value: r.label_text === null ? r.label_value : null,
          labelMs: r.label_ms,
        });
      }
      this.writeRollup(model, batch);
      return erased.length;
    })();
  }

  async prunePredictions(beforeMs: number): Promise<number> {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `DELETE FROM prediction_events WHERE EXISTS (SELECT 1 FROM predictions p
             WHERE p.model = prediction_events.model AND p.id = prediction_events.prediction_id AND p.time_ms < ?)`,
        )
        .run(beforeMs);
      this.db.prepare('DELETE FROM performance_rollup WHERE minute < ?').run(Math.floor(beforeMs / 60_000));
      return this.db.prepare('DELETE FROM predictions WHERE time_ms < ?').run(beforeMs).changes;
    })();
  }

  async detectorStates(model: string): Promise<DetectorStateRow[]> {
    const rows = this.db
      .prepare('SELECT variant, detector, state, cursor FROM detector_state WHERE model = ? ORDER BY variant, detector')
      .all(model) as { variant: string; detector: string; state: string; cursor: number }[];
    return rows.map((r) => ({ variant: r.variant, detector: r.detector, state: JSON.parse(r.state), cursor: r.cursor }));
  }

  async putDetectorStates(model: string, rows: readonly DetectorStateRow[]): Promise<void> {
    const put = this.db.prepare(
      `INSERT INTO detector_state (model, variant, detector, state, cursor) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (model, variant, detector) DO UPDATE SET state = excluded.state, cursor = excluded.cursor`,
    );
    this.db.transaction(() => {
      for (const r of rows) put.run(model, r.variant, r.detector, JSON.stringify(r.state), r.cursor);
    })();
  }

  async appendPerformance(report: PerformanceReport, evaluatedAt: string): Promise<void> {
    this.db
      .prepare('INSERT INTO performance_history (model, win, evaluated_at, report) VALUES (?, ?, ?, ?)')
      .run(report.model, report.window, evaluatedAt, JSON.stringify(report));
  }

  async performanceHistory(model: string, limit: number, window?: string): Promise<StoredPerformanceReport[]> {
    const stmt = this.db.prepare(historyQuery('performance_history', 'sqlite', window !== undefined));
    const rows = (window === undefined ? stmt.all(model, limit) : stmt.all(model, window, limit)) as { evaluated_at: string; report: string }[];
    return rows.map((r) => ({ evaluatedAt: r.evaluated_at, report: JSON.parse(r.report) as PerformanceReport }));
  }

  async prunePerformanceHistory(keep: number): Promise<void> {
    this.db.prepare(pruneHistoryQuery('performance_history', 'sqlite')).run(keep);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

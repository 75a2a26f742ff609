import pg from 'pg';
import type { BaselineProfile, DriftReport, PushedWindow } from '@modelwatch/core';
import {
  summarise,
  type BaselineStore,
  type BaselineSummary,
  type ModelSummary,
  type PushOutcome,
  type StoredDriftReport,
} from './baseline-store.js';
import { openPool, SchemaLock, transaction } from './postgres-pool.js';
import { historyQuery, pruneHistoryQuery } from './report-history.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS models (
  name TEXT PRIMARY KEY,
  next_version INTEGER NOT NULL,
  active_version TEXT
);
CREATE TABLE IF NOT EXISTS baselines (
  model TEXT NOT NULL REFERENCES models(name),
  version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  uploaded_at TEXT NOT NULL,
  rows BIGINT NOT NULL,
  profile JSONB NOT NULL,
  PRIMARY KEY (model, version)
);
CREATE TABLE IF NOT EXISTS pushed_windows (
  source TEXT NOT NULL,
  seq BIGINT NOT NULL,
  model TEXT NOT NULL,
  end_ms BIGINT NOT NULL,
  body JSONB NOT NULL,
  PRIMARY KEY (source, seq)
);
CREATE INDEX IF NOT EXISTS pushed_windows_model_end ON pushed_windows (model, end_ms);
CREATE TABLE IF NOT EXISTS drift_history (
  id BIGSERIAL PRIMARY KEY,
  model TEXT NOT NULL,
  win TEXT NOT NULL,
  evaluated_at TEXT NOT NULL,
  report JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS drift_history_model ON drift_history (model, win, id);
`;

/**
 * PostgreSQL store for a team (`DATABASE_URL`). Same tables and the same atomicity as SQLite:
 * an upload is one transaction holding the model row lock, so concurrent uploads to one model
 * get distinct versions and a dropped connection rolls the half-done upload back.
 */
export class PostgresStore implements BaselineStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string): Promise<PostgresStore> {
    return new PostgresStore(await openPool(connectionString, SCHEMA, SchemaLock.baselines));
  }

  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.pool, fn);
  }

  async putBaseline(model: string, profile: BaselineProfile, activate: boolean): Promise<BaselineSummary> {
    return this.tx(async (c) => {
      await c.query('INSERT INTO models (name, next_version) VALUES ($1, 1) ON CONFLICT (name) DO NOTHING', [model]);
      const { rows } = await c.query('SELECT next_version FROM models WHERE name = $1 FOR UPDATE', [model]);
      const version = String(rows[0].next_version);
      const uploadedAt = new Date().toISOString();
      await c.query(
        'INSERT INTO baselines (model, version, created_at, uploaded_at, rows, profile) VALUES ($1, $2, $3, $4, $5, $6)',
        [model, version, profile.createdAt, uploadedAt, profile.rows, JSON.stringify({ ...profile, version })],
      );
      await c.query(
        'UPDATE models SET next_version = next_version + 1, active_version = CASE WHEN $2 THEN $3 ELSE active_version END WHERE name = $1',
        [model, activate, version],
      );
      return summarise(model, version, profile, activate, uploadedAt);
    });
  }

  async listBaselines(model: string): Promise<BaselineSummary[]> {
    const { rows } = await this.pool.query(
      `SELECT b.model, b.version, b.created_at, b.uploaded_at, b.rows, m.active_version
       FROM baselines b JOIN models m ON m.name = b.model WHERE b.model = $1 ORDER BY b.version::int`,
      [model],
    );
    return rows.map((r) => ({
      model: r.model,
      version: r.version,
      active: r.active_version === r.version,
      createdAt: r.created_at,
      uploadedAt: r.uploaded_at,
      rows: Number(r.rows),
    }));
  }

  async getBaseline(model: string, version: string): Promise<BaselineProfile | undefined> {
    const { rows } = await this.pool.query('SELECT profile FROM baselines WHERE model = $1 AND version = $2', [model, version]);
    return rows[0]?.profile as BaselineProfile | undefined;
  }

  async getActiveBaseline(model: string): Promise<BaselineProfile | undefined> {
    const { rows } = await this.pool.query(
      'SELECT b.profile FROM models m JOIN baselines b ON b.model = m.name AND b.version = m.active_version WHERE m.name = $1',
      [model],
    );
    return rows[0]?.profile as BaselineProfile | undefined;
  }

  async activeBaselines(): Promise<BaselineProfile[]> {
    const { rows } = await this.pool.query(
      'SELECT b.profile FROM models m JOIN baselines b ON b.model = m.name AND b.version = m.active_version ORDER BY m.name',
    );
    return rows.map((r) => r.profile as BaselineProfile);
  }

  async activate(model: string, version: string): Promise<boolean> {
    const res = await this.pool.query(
      'UPDATE models SET active_version = $2 WHERE name = $1 AND EXISTS (SELECT 1 FROM baselines WHERE model = $1 AND version = $2)',
      [model, version],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async deleteBaseline(model: string, version: string): Promise<'deleted' | 'missing' | 'active'> {
    return this.tx(async (c) => {
      const m = await c.query('SELECT active_version FROM models WHERE name = $1 FOR UPDATE', [model]);
      if (m.rows[0]?.active_version === version) return 'active';
      const res = await c.query('DELETE FROM baselines WHERE model = $1 AND version = $2', [model, version]);
      return (res.rowCount ?? 0) > 0 ? 'deleted' : 'missing';
    });
  }

  async listModels(): Promise<ModelSummary[]> {
    const { rows } = await this.pool.query(
      `SELECT m.name AS model, m.active_version, COUNT(b.version)::int AS versions
       FROM models m JOIN baselines b ON b.model = m.name GROUP BY m.name, m.active_version ORDER BY m.name`,
    );
    return rows.map((r) => ({ model: r.model, activeVersion: r.active_version, versions: r.versions }));
  }

  async hasModel(model: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM baselines WHERE model = $1 LIMIT 1', [model]);
    return rows.length > 0;
  }

  async addPushedWindow(window: PushedWindow): Promise<PushOutcome> {
    const res = await this.pool.query(
      'INSERT INTO pushed_windows (source, seq, model, end_ms, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [window.source, window.seq, window.model, Date.parse(window.end), JSON.stringify(window)],
    );
    return (res.rowCount ?? 0) > 0 ? 'accepted' : 'duplicate';
  }

  async pushedWindows(model: string, fromMs: number, toMs: number): Promise<PushedWindow[]> {
    const { rows } = await this.pool.query(
      'SELECT body FROM pushed_windows WHERE model = $1 AND end_ms > $2 AND end_ms <= $3 ORDER BY end_ms',
      [model, fromMs, toMs],
    );
    return rows.map((r) => r.body as PushedWindow);
  }

  async prunePushedWindows(beforeMs: number): Promise<number> {
    const res = await this.pool.query('DELETE FROM pushed_windows WHERE end_ms < $1', [beforeMs]);
    return res.rowCount ?? 0;
  }

  async appendDriftReport(report: DriftReport, evaluatedAt: string): Promise<void> {
    await this.pool.query('INSERT INTO drift_history (model, win, evaluated_at, report) VALUES ($1, $2, $3, $4)', [
      report.model,
      report.window,
      evaluatedAt,
      JSON.stringify(report),
    ]);
  }

  async driftHistory(model: string, limit: number, window?: string): Promise<StoredDriftReport[]> {
    const { rows } = await this.pool.query(
      historyQuery('drift_history', 'postgres', window !== undefined),
      window === undefined ? [model, limit] : [model, window, limit],
    );
    return rows.map((r) => ({ evaluatedAt: r.evaluated_at, report: r.report as DriftReport }));
  }

  async pruneDriftHistory(keep: number): Promise<void> {
    await this.pool.query(pruneHistoryQuery('drift_history', 'postgres'), [keep]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

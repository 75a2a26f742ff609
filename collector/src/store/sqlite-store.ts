import Database from 'better-sqlite3';
import type { BaselineProfile, DriftReport, PushedWindow } from '@modelwatch/core';
import {
  summarise,
  type BaselineStore,
  type BaselineSummary,
  type ModelSummary,
  type PushOutcome,
  type StoredDriftReport,
} from './baseline-store.js';
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
  rows INTEGER NOT NULL,
  profile TEXT NOT NULL,
  PRIMARY KEY (model, version)
);
CREATE TABLE IF NOT EXISTS pushed_windows (
  source TEXT NOT NULL,
  seq INTEGER NOT NULL,
  model TEXT NOT NULL,
  end_ms INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (source, seq)
);
CREATE INDEX IF NOT EXISTS pushed_windows_model_end ON pushed_windows (model, end_ms);
CREATE TABLE IF NOT EXISTS drift_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model TEXT NOT NULL,
  win TEXT NOT NULL,
  evaluated_at TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS drift_history_model ON drift_history (model, win, id);
`;

interface BaselineRow {
  model: string;
  version: string;
  created_at: string;
  uploaded_at: string;
  rows: number;
  active_version: string | null;
}

/**
 * The default store: one SQLite file in WAL mode. Each upload is one transaction (version counter,
 * profile row and active pointer together), so a process killed mid-upload leaves either the old
 * state or the complete new version, never a version without its profile or a dangling active pointer.
 */
export class SqliteStore implements BaselineStore {
  private readonly db: Database.Database;
  private readonly putTx: (model: string, profile: BaselineProfile, activate: boolean) => BaselineSummary;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.putTx = this.db.transaction((model: string, profile: BaselineProfile, activate: boolean) => {
      this.db.prepare('INSERT INTO models (name, next_version) VALUES (?, 1) ON CONFLICT (name) DO NOTHING').run(model);
      const { next_version } = this.db.prepare('SELECT next_version FROM models WHERE name = ?').get(model) as { next_version: number };
      const version = String(next_version);
      const uploadedAt = new Date().toISOString();
      this.db
        .prepare('INSERT INTO baselines (model, version, created_at, uploaded_at, rows, profile) VALUES (?, ?, ?, ?, ?, ?)')
        .run(model, version, profile.createdAt, uploadedAt, profile.rows, JSON.stringify({ ...profile, version }));
      this.db
        .prepare(`UPDATE models SET next_version = next_version + 1${activate ? ', active_version = ?' : ''} WHERE name = ?`)
        .run(...(activate ? [version, model] : [model]));
      return summarise(model, version, profile, activate, uploadedAt);
    });
  }

  async putBaseline(model: string, profile: BaselineProfile, activate: boolean): Promise<BaselineSummary> {
    return this.putTx(model, profile, activate);
  }

  async listBaselines(model: string): Promise<BaselineSummary[]> {
    const rows = this.db
      .prepare(
        `SELECT b.model, b.version, b.created_at, b.uploaded_at, b.rows, m.active_version
         FROM baselines b JOIN models m ON m.name = b.model WHERE b.model = ? ORDER BY CAST(b.version AS INTEGER)`,
      )
      .all(model) as BaselineRow[];
    return rows.map((r) => ({
      model: r.model,
      version: r.version,
      active: r.active_version === r.version,
      createdAt: r.created_at,
      uploadedAt: r.uploaded_at,
      rows: r.rows,
    }));
  }

  async getBaseline(model: string, version: string): Promise<BaselineProfile | undefined> {
    const row = this.db.prepare('SELECT profile FROM baselines WHERE model = ? AND version = ?').get(model, version) as
      | { profile: string }
      | undefined;
    return row ? (JSON.parse(row.profile) as BaselineProfile) : undefined;
  }

  async getActiveBaseline(model: string): Promise<BaselineProfile | undefined> {
    const row = this.db
      .prepare('SELECT b.profile FROM models m JOIN baselines b ON b.model = m.name AND b.version = m.active_version WHERE m.name = ?')
      .get(model) as { profile: string } | undefined;
    return row ? (JSON.parse(row.profile) as BaselineProfile) : undefined;
  }

  async activeBaselines(): Promise<BaselineProfile[]> {
    const rows = this.db
      .prepare('SELECT b.profile FROM models m JOIN baselines b ON b.model = m.name AND b.version = m.active_version ORDER BY m.name')
      .all() as { profile: string }[];
    return rows.map((r) => JSON.parse(r.profile) as BaselineProfile);
  }

  async activate(model: string, version: string): Promise<boolean> {
    const info = this.db
      .prepare('UPDATE models SET active_version = ? WHERE name = ? AND EXISTS (SELECT 1 FROM baselines WHERE model = ? AND version = ?)')
      .run(version, model, model, version);
    return info.changes > 0;
  }

  async deleteBaseline(model: string, version: string): Promise<'deleted' | 'missing' | 'active'> {
    return this.db.transaction((): 'deleted' | 'missing' | 'active' => {
      const m = this.db.prepare('SELECT active_version FROM models WHERE name = ?').get(model) as { active_version: string | null } | undefined;
      if (m?.active_version === version) return 'active';
      const info = this.db.prepare('DELETE FROM baselines WHERE model = ? AND version = ?').run(model, version);
      return info.changes > 0 ? 'deleted' : 'missing';
    })();
  }

  async listModels(): Promise<ModelSummary[]> {
    const rows = this.db
      .prepare(
        `SELECT m.name AS model, m.active_version, COUNT(b.version) AS versions
         FROM models m JOIN baselines b ON b.model = m.name GROUP BY m.name ORDER BY m.name`,
      )
      .all() as { model: string; active_version: string | null; versions: number }[];
    return rows.map((r) => ({ model: r.model, activeVersion: r.active_version, versions: r.versions }));
  }

  async hasModel(model: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM baselines WHERE model = ? LIMIT 1').get(model) !== undefined;
  }

  async addPushedWindow(window: PushedWindow): Promise<PushOutcome> {
    const info = this.db
      .prepare('INSERT INTO pushed_windows (source, seq, model, end_ms, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(window.source, window.seq, window.model, Date.parse(window.end), JSON.stringify(window));
    return info.changes > 0 ? 'accepted' : 'duplicate';
  }

  async pushedWindows(model: string, fromMs: number, toMs: number): Promise<PushedWindow[]> {
    const rows = this.db
      .prepare('SELECT body FROM pushed_windows WHERE model = ? AND end_ms > ? AND end_ms <= ? ORDER BY end_ms')
      .all(model, fromMs, toMs) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as PushedWindow);
  }

  async prunePushedWindows(beforeMs: number): Promise<number> {
    return this.db.prepare('DELETE FROM pushed_windows WHERE end_ms < ?').run(beforeMs).changes;
  }

  async appendDriftReport(report: DriftReport, evaluatedAt: string): Promise<void> {
    this.db
      .prepare('INSERT INTO drift_history (model, win, evaluated_at, report) VALUES (?, ?, ?, ?)')
      .run(report.model, report.window, evaluatedAt, JSON.stringify(report));
  }

  async driftHistory(model: string, limit: number, window?: string): Promise<StoredDriftReport[]> {
    const stmt = this.db.prepare(historyQuery('drift_history', 'sqlite', window !== undefined));
    const rows = (window === undefined ? stmt.all(model, limit) : stmt.all(model, window, limit)) as { evaluated_at: string; report: string }[];
    return rows.map((r) => ({ evaluatedAt: r.evaluated_at, report: JSON.parse(r.report) as DriftReport }));
  }

  async pruneDriftHistory(keep: number): Promise<void> {
    this.db.prepare(pruneHistoryQuery('drift_history', 'sqlite')).run(keep);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

import type { BaselineProfile, DriftReport, PushedWindow } from '@modelwatch/core';

/** One stored baseline version, without its (possibly large) profile body. */
export interface BaselineSummary {
  model: string;
  version: string;
  active: boolean;
  /** When the training data was profiled (from the profile). */
  createdAt: string;
  /** When the collector stored it. */
  uploadedAt: string;
  rows: number;
}

export interface ModelSummary {
  model: string;
  activeVersion: string | null;
  versions: number;
}

export interface StoredDriftReport {
  evaluatedAt: string;
  report: DriftReport;
}

export type PushOutcome = 'accepted' | 'duplicate';

/**
 * Everything the collector persists. Implementations: memory (tests), SQLite (default), PostgreSQL.
 * Every write is atomic: a crash in the middle leaves the previous state, never half of a new one.
 * Versions are assigned by the store, per model, increasing and never reused ("1", "2", …).
 */
export interface BaselineStore {
  /** Stores a profile as a new version; activates it unless `activate` is false. */
  putBaseline(model: string, profile: BaselineProfile, activate: boolean): Promise<BaselineSummary>;
  listBaselines(model: string): Promise<BaselineSummary[]>;
  /** The profile with its `version` set; undefined when the model or version is unknown. */
  getBaseline(model: string, version: string): Promise<BaselineProfile | undefined>;
  getActiveBaseline(model: string): Promise<BaselineProfile | undefined>;
  /** Every model's active profile (what the evaluation loop compares against). */
  activeBaselines(): Promise<BaselineProfile[]>;
  /** false when the version does not exist. */
  activate(model: string, version: string): Promise<boolean>;
  /** 'missing' when unknown, 'active' when it is the active version (deactivate by activating another). */
  deleteBaseline(model: string, version: string): Promise<'deleted' | 'missing' | 'active'>;
  listModels(): Promise<ModelSummary[]>;
  hasModel(model: string): Promise<boolean>;

  /** Idempotent on (source, seq): a retried push is recognised and not stored twice. */
  addPushedWindow(window: PushedWindow): Promise<PushOutcome>;
  /** Pushed windows of a model whose end is in (fromMs, toMs]. */
  pushedWindows(model: string, fromMs: number, toMs: number): Promise<PushedWindow[]>;
  /** Drops pushed windows that ended before `beforeMs` (retention keeps the table bounded). */
  prunePushedWindows(beforeMs: number): Promise<number>;

  appendDriftReport(report: DriftReport, evaluatedAt: string): Promise<void>;
  /** Newest first, at most `limit`, optionally for one window label. */
  driftHistory(model: string, limit: number, window?: string): Promise<StoredDriftReport[]>;
  /** Keeps at most `keep` reports per model and window. */
  pruneDriftHistory(keep: number): Promise<void>;

  close(): Promise<void>;
}

export function summarise(model: string, version: string, profile: BaselineProfile, active: boolean, uploadedAt: string): BaselineSummary {
  return { model, version, active, createdAt: profile.createdAt, uploadedAt, rows: profile.rows };
}

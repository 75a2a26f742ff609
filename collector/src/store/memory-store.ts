import type { BaselineProfile, DriftReport, PushedWindow } from '@modelwatch/core';
import {
  summarise,
  type BaselineStore,
  type BaselineSummary,
  type ModelSummary,
  type PushOutcome,
  type StoredDriftReport,
} from './baseline-store.js';

interface ModelState {
  nextVersion: number;
  active: string | null;
  versions: Map<string, { profile: BaselineProfile; uploadedAt: string }>;
}

/** In-memory store for tests and `--db :memory:`; same contract as the durable ones. */
export class MemoryStore implements BaselineStore {
  private readonly models = new Map<string, ModelState>();
  private readonly pushed = new Map<string, { model: string; endMs: number; window: PushedWindow }>();
  private readonly history: { model: string; window: string; evaluatedAt: string; report: DriftReport }[] = [];

  async putBaseline(model: string, profile: BaselineProfile, activate: boolean): Promise<BaselineSummary> {
    let state = this.models.get(model);
    if (!state) {
      state = { nextVersion: 1, active: null, versions: new Map() };
      this.models.set(model, state);
    }
    const version = String(state.nextVersion++);
    const uploadedAt = new Date().toISOString();
    // Stored as a copy so later mutation by the caller cannot change the registry.
    state.versions.set(version, { profile: structuredClone({ ...profile, version }), uploadedAt });
    if (activate) state.active = version;
    return summarise(model, version, profile, state.active === version, uploadedAt);
  }

  async listBaselines(model: string): Promise<BaselineSummary[]> {
    const state = this.models.get(model);
    if (!state) return [];
    return [...state.versions].map(([v, s]) => summarise(model, v, s.profile, state.active === v, s.uploadedAt));
  }

  async getBaseline(model: string, version: string): Promise<BaselineProfile | undefined> {
    const s = this.models.get(model)?.versions.get(version);
    return s ? structuredClone(s.profile) : undefined;
  }

  async getActiveBaseline(model: string): Promise<BaselineProfile | undefined> {
    const state = this.models.get(model);
    return state?.active ? this.getBaseline(model, state.active) : undefined;
  }

  async activeBaselines(): Promise<BaselineProfile[]> {
    const out: BaselineProfile[] = [];
    for (const [model, state] of [...this.models].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (state.active) out.push((await this.getBaseline(model, state.active))!);
    }
    return out;
  }

  async activate(model: string, version: string): Promise<boolean> {
    const state = this.models.get(model);
    if (!state?.versions.has(version)) return false;
    state.active = version;
    return true;
  }

  async deleteBaseline(model: string, version: string): Promise<'deleted' | 'missing' | 'active'> {
    const state = this.models.get(model);
    if (!state?.versions.has(version)) return 'missing';
    if (state.active === version) return 'active';
    state.versions.delete(version);
    return 'deleted';
  }

  async listModels(): Promise<ModelSummary[]> {
    return [...this.models]
      .filter(([, s]) => s.versions.size > 0)
      .map(([model, s]) => ({ model, activeVersion: s.active, versions: s.versions.size }))
      .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  }

  async hasModel(model: string): Promise<boolean> {
    return (this.models.get(model)?.versions.size ?? 0) > 0;
  }

  async addPushedWindow(window: PushedWindow): Promise<PushOutcome> {
    const key = `${window.source}\u0000${window.seq}`;
    if (this.pushed.has(key)) return 'duplicate';
    this.pushed.set(key, { model: window.model, endMs: Date.parse(window.end), window: structuredClone(window) });
    return 'accepted';
  }

  async pushedWindows(model: string, fromMs: number, toMs: number): Promise<PushedWindow[]> {
    return [...this.pushed.values()]
      .filter((p) => p.model === model && p.endMs > fromMs && p.endMs <= toMs)
      .map((p) => structuredClone(p.window));
  }

  async prunePushedWindows(beforeMs: number): Promise<number> {
    let n = 0;
    for (const [key, p] of this.pushed) {
      if (p.endMs < beforeMs) {
        this.pushed.delete(key);
        n++;
      }
    }
    return n;
  }

  async appendDriftReport(report: DriftReport, evaluatedAt: string): Promise<void> {
    this.history.push({ model: report.model, window: report.window, evaluatedAt, report: structuredClone(report) });
  }

  async driftHistory(model: string, limit: number, window?: string): Promise<StoredDriftReport[]> {
    const out: StoredDriftReport[] = [];
    for (let i = this.history.length - 1; i >= 0 && out.length < limit; i--) {
      const h = this.history[i];
      if (h.model === model && (window === undefined || h.window === window)) {
        out.push({ evaluatedAt: h.evaluatedAt, report: structuredClone(h.report) });
      }
    }
    return out;
  }

  async pruneDriftHistory(keep: number): Promise<void> {
    const seen = new Map<string, number>();
    const kept: typeof this.history = [];
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i];
      const key = `${h.model}\u0000${h.window}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n <= keep) kept.push(h);
    }
    this.history.splice(0, this.history.length, ...kept.reverse());
  }

  async close(): Promise<void> {}
}

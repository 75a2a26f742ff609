import { computeDrift, type BaselineProfile, type DriftOptions, type LiveWindow } from '@modelwatch/core';
import type { BaselineStore, StoredDriftReport } from '../store/baseline-store.js';
import { addWindow, byVariant, emptyWindow, WindowError, type WindowSource, type WindowSpec } from '../windows/window-source.js';
import { LocalLeases, type ModelLeases } from '../leases/model-leases.js';
import type { DriftMetrics } from './drift-metrics.js';
import type { RoundMetrics } from './round-metrics.js';

export interface EvaluatorDeps {
  store: BaselineStore;
  sources: WindowSource[];
  windows: WindowSpec[];
  metrics: DriftMetrics;
  drift: DriftOptions;
  /** Drift reports kept per model and window in the store. */
  historyKeep?: number;
  /** Models evaluated at once. Default 4. */
  modelConcurrency?: number;
  /** A round stops starting models after this long and cancels the queries in flight. Default: none. */
  roundBudgetMs?: number;
  /** Which models this collector evaluates (several collectors on one PostgreSQL). Default: all. */
  leases?: ModelLeases;
  roundMetrics?: RoundMetrics;
}

let lastLog = 0;
function logRateLimited(message: string): void {
  const now = Date.now();
  if (now - lastLog < 5_000) return;
  lastLog = now;
  console.error(`modelwatch collector: ${message}`);
}

/**
 * The evaluation loop: every interval, for each model with an active baseline and each window,
 * gather the live window from every source, compute drift (core, pure), export it and append it
 * to the history. Rounds never overlap, and a failing model is counted and skipped, never fatal.
 *
 * Models run concurrently up to `modelConcurrency` (the engine does the heavy lifting; one model
 * after another made a round grow with models × query latency), within a per-round budget: models
 * not started when it runs out are counted as over budget and their in-flight queries cancelled,
 * so a slow engine costs one round, not a backlog. Only models this collector leases are evaluated.
 */
export class Evaluator {
  private readonly latest = new Map<string, Map<string, StoredDriftReport>>();
  /**
   * The profile object last seen per model, reused while its version stays active: calibrated
   * thresholds and bin shapes are cached per profile object (core), and the store parses a fresh
   * object on every read, so without this every round would calibrate again.
   */
  private readonly profiles = new Map<string, BaselineProfile>();
  /** The counts behind each latest report (for the HTML report's histograms), by model and window. */
  private readonly latestCounts = new Map<string, { baseline: BaselineProfile; window: LiveWindow }>();
  /** Per-variant reports of models whose windows hold several variants: model → variant → window → report. */
  private readonly latestByVariant = new Map<string, Map<string, Map<string, StoredDriftReport>>>();
  private round: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly historyKeep: number;
  private readonly longestWindowMs: number;
  private readonly leases: ModelLeases;

  constructor(private readonly deps: EvaluatorDeps) {
    this.historyKeep = deps.historyKeep ?? 1_440;
    this.leases = deps.leases ?? new LocalLeases();
    this.longestWindowMs = Math.max(...deps.windows.map((w) => w.ms));
  }

  /** Latest report per configured window, in window order (of one variant when `variant` is given). */
  latestReports(model: string, variant?: string): StoredDriftReport[] {
    const perWindow = variant === undefined ? this.latest.get(model) : this.latestByVariant.get(model)?.get(variant);
    if (!perWindow) return [];
    return this.deps.windows.flatMap((w) => {
      const r = perWindow.get(w.label);
      return r ? [r] : [];
    });
  }

  /** Baseline and window counts of the latest report of a model over a window (none after a restart). */
  latestWindow(model: string, window: string): { baseline: BaselineProfile; window: LiveWindow } | undefined {
    return this.latestCounts.get(`${model}\u0000${window}`);
  }

  /**
   * After a restart, serves the newest stored report per window until the first round replaces
   * it, so GET /drift does not go empty for a whole interval. Reports against a version that is no
   * longer active are not restored.
   */
  async restoreLatest(): Promise<void> {
    for (const baseline of await this.deps.store.activeBaselines()) {
      const perWindow = new Map<string, StoredDriftReport>();
      for (const w of this.deps.windows) {
        const [newest] = await this.deps.store.driftHistory(baseline.model, 1, w.label);
        if (newest && newest.report.baselineVersion === baseline.version) perWindow.set(w.label, newest);
      }
      if (perWindow.size > 0) this.latest.set(baseline.model, perWindow);
    }
  }

  start(intervalMs: number): void {
    this.leases.start();
    this.timer = setInterval(() => void this.evaluate(), intervalMs);
    // The loop must never keep a process alive on its own (tests, CLI shutdown).
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
    await this.leases.close();
  }

  /** Runs one round now; a call while a round runs joins that round instead of starting another. */
  evaluate(nowMs?: number): Promise<void> {
    if (!this.round) {
      this.round = this.runRound(nowMs ?? Date.now()).finally(() => {
        this.round = undefined;
      });
    }
    return this.round;
  }

  /** Re-reads which baselines are active and updates the baseline series (after an upload/activation). */
  async refreshBaselines(): Promise<BaselineProfile[]> {
    const baselines = (await this.deps.store.activeBaselines()).map((b) => {
      const known = this.profiles.get(b.model);
      // A stored version never changes, so (model, version) identifies the profile.
      if (known && known.version !== undefined && known.version === b.version) return known;
      this.profiles.set(b.model, b);
      return b;
    });
    for (const model of this.profiles.keys()) if (!baselines.some((b) => b.model === model)) this.profiles.delete(model);
    this.deps.metrics.setActiveBaselines(baselines);
    const active = new Map(baselines.map((b) => [b.model, b.version]));
    for (const model of this.latestByVariant.keys()) if (!active.has(model)) this.latestByVariant.delete(model);
    for (const [model, perWindow] of this.latest) {
      const version = active.get(model);
      if (version === undefined) {
        this.latest.delete(model);
        for (const w of this.deps.windows) this.latestCounts.delete(`${model}\u0000${w.label}`);
        continue;
      }
      // Reports against a version that is no longer active describe a comparison nobody asked for any more.
      for (const [window, r] of perWindow) {
        if (r.report.baselineVersion !== version) {
          perWindow.delete(window);
          this.deps.metrics.forgetWindow(model, window);
        }
      }
    }
    return baselines;
  }

  private async runRound(nowMs: number): Promise<void> {
    const started = process.hrtime.bigint();
    let baselines: BaselineProfile[];
    let owned: ReadonlySet<string>;
    try {
      baselines = await this.refreshBaselines();
      const claim = await this.leases.claim(baselines.map((b) => b.model));
      owned = claim.owned;
      this.deps.roundMetrics?.share(owned.size, claim.liveCollectors);
    } catch (err) {
      logRateLimited(`cannot read active baselines or model leases: ${(err as Error).message}`);
      return;
    }
    const mine = baselines.filter((b) => owned.has(b.model));
    const budget = new AbortController();
    const budgetTimer = this.deps.roundBudgetMs
      ? setTimeout(() => budget.abort(new Error(`${this.deps.roundBudgetMs} ms`)), this.deps.roundBudgetMs)
      : undefined;
    budgetTimer?.unref();
    let next = 0;
    let evaluated = 0;
    let overBudget = 0;
    const worker = async () => {
      while (next < mine.length) {
        const baseline = mine[next++];
        if (budget.signal.aborted) {
          overBudget++;
          this.deps.metrics.evaluationFailed(baseline.model, 'round_budget');
          continue;
        }
        await this.evaluateModel(baseline, nowMs, budget.signal);
        evaluated++;
      }
    };
    const width = Math.min(this.deps.modelConcurrency ?? 4, mine.length);
    await Promise.all(Array.from({ length: width }, worker));
    clearTimeout(budgetTimer);
    if (overBudget) logRateLimited(`the round ran out of its ${this.deps.roundBudgetMs} ms budget: ${overBudget} model(s) skipped`);
    this.deps.roundMetrics?.round(Number(process.hrtime.bigint() - started) / 1e9, evaluated, overBudget);
    try {
      // Pushed windows older than the longest window can never be summed again.
      await this.deps.store.prunePushedWindows(nowMs - this.longestWindowMs - 60_000);
      await this.deps.store.pruneDriftHistory(this.historyKeep);
    } catch (err) {
      logRateLimited(`store maintenance failed: ${(err as Error).message}`);
    }
  }

  /**
   * Several variants in one window (a canary, a shadow, blue and green): each is judged on its own
   * traffic as well, so a drifted canary shows as the canary. Kept in memory and exported; the stored
   * history stays one report per model and window.
   */
  private evaluateVariants(baseline: BaselineProfile, window: WindowSpec, nowMs: number, byVariant: Map<string, LiveWindow>): void {
    const named = [...byVariant.entries()].filter(([v]) => v !== '');
    const model = baseline.model;
    if (named.length < 2) {
      // A single variant is the model's report already; drop per-variant series left from a rollout.
      this.deps.metrics.forgetVariants(model, window.label);
      this.latestByVariant.get(model)?.forEach((perWindow) => perWindow.delete(window.label));
      return;
    }
    let perVariant = this.latestByVariant.get(model);
    if (!perVariant) this.latestByVariant.set(model, (perVariant = new Map()));
    const seen = new Set<string>();
    for (const [variant, live] of named) {
      const report = computeDrift(baseline, live, this.deps.drift);
      report.baselineVersion ??= baseline.version;
      this.deps.metrics.publish(report);
      seen.add(variant);
      let perWindow = perVariant.get(variant);
      if (!perWindow) perVariant.set(variant, (perWindow = new Map()));
      perWindow.set(window.label, { evaluatedAt: new Date(nowMs).toISOString(), report });
    }
    this.deps.metrics.forgetVariants(model, window.label, seen);
  }

  private async evaluateModel(baseline: BaselineProfile, nowMs: number, signal: AbortSignal): Promise<void> {
    const { metrics } = this.deps;
    const model = baseline.model;
    const started = process.hrtime.bigint();
    for (const window of this.deps.windows) {
      try {
        const live: LiveWindow = emptyWindow(baseline, window, nowMs);
        const perVariant = new Map<string, LiveWindow>();
        for (const source of this.deps.sources) {
          for (const [variant, part] of await byVariant(source, baseline, window, nowMs, signal)) {
            addWindow(live, part);
            let v = perVariant.get(variant);
            if (!v) {
              v = emptyWindow(baseline, window, nowMs);
              if (variant !== '') v.variant = variant;
              perVariant.set(variant, v);
            }
            addWindow(v, part);
          }
        }
        this.evaluateVariants(baseline, window, nowMs, perVariant);
        let report;
        try {
          report = computeDrift(baseline, live, this.deps.drift);
        } catch (err) {
          throw new WindowError('drift_failed', (err as Error).message);
        }
        report.baselineVersion ??= baseline.version;
        const stored = { evaluatedAt: new Date(nowMs).toISOString(), report };
        metrics.publish(report);
        let perWindow = this.latest.get(model);
        if (!perWindow) this.latest.set(model, (perWindow = new Map()));
        perWindow.set(window.label, stored);
        this.latestCounts.set(`${model}\u0000${window.label}`, { baseline, window: live });
        for (const source of this.deps.sources) metrics.evaluated(model, source.kind);
        try {
          await this.deps.store.appendDriftReport(report, stored.evaluatedAt);
        } catch (err) {
          throw new WindowError('store_error', (err as Error).message);
        }
      } catch (err) {
        const reason = err instanceof WindowError ? err.reason : 'drift_failed';
        metrics.evaluationFailed(model, reason);
        logRateLimited(`drift evaluation of "${model}" over ${window.label} failed (${reason}): ${(err as Error).message}`);
      }
    }
    metrics.observeDuration(model, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

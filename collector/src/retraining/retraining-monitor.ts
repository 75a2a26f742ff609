import { randomUUID } from 'node:crypto';
import type { StoredDriftReport } from '../store/baseline-store.js';
import type { ConceptEvent } from '../performance/concept-monitor.js';
import type { PerformanceReport } from '../performance/report.js';
import type { RetrainingEvent, ReviewStore } from '../review/review-store.js';
import { policyFor, type ResolvedPolicy, type ResolvedRetraining, type TriggerReason } from './policy.js';
import type { RetrainingMetrics } from './retraining-metrics.js';
import { deliver } from './webhook.js';

/** Where the monitor reads the evidence: the performance evaluator, the concept detectors and the drift engine. */
export interface RetrainingSignals {
  models(): Promise<string[]>;
  performance(model: string): PerformanceReport[];
  conceptEvents(model: string): ConceptEvent[];
  drift(model: string): StoredDriftReport[];
}

interface ModelState {
  restored: boolean;
  perfSince?: number;
  driftSince?: number;
  /** Concept events up to this time were seen. */
  conceptSeenMs: number;
  /** True while the current episode lasts (its one call has been made or suppressed). */
  inEpisode: boolean;
  lastDeliveredMs?: number;
}

interface Verdict {
  reason: TriggerReason;
  evidence: Record<string, unknown>;
  /** The condition still holds (an episode lasts while any does). */
  holding: boolean;
}

function measure(report: PerformanceReport, metric: string): { variant: string; value: number; n: number } | undefined {
  const v = report.variants.find((x) => x.variant === 'primary' && x.performance) ?? report.variants.find((x) => x.performance);
  const p = v?.performance as Record<string, unknown> | undefined;
  const key = metric === 'macro_f1' ? 'macroF1' : metric;
  const value = p?.[key];
  return v && typeof value === 'number' ? { variant: v.variant, value, n: v.performance!.n } : undefined;
}

/**
 * The retraining policy: each round it reads realized performance, concept-drift detections and
 * dataset drift per model; a condition that holds long enough opens an episode, and each episode
 * calls the webhook once (with retries) unless the model's last call is within the cool-down.
 * Every trigger, delivered, failed or suppressed, is counted on /metrics and kept in history.
 */
export class RetrainingMonitor {
  private readonly state = new Map<string, ModelState>();
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ResolvedRetraining,
    private readonly signals: RetrainingSignals,
    private readonly history: ReviewStore,
    private readonly metrics: RetrainingMetrics,
    /** This collector's base URL as the webhook receiver reaches it (for the export link). */
    private readonly baseUrl: () => string,
    private readonly log?: (message: string) => void,
  ) {}

  private async stateOf(model: string, nowMs: number): Promise<ModelState> {
    let s = this.state.get(model);
    if (!s) this.state.set(model, (s = { restored: false, conceptSeenMs: nowMs, inEpisode: false }));
    if (!s.restored) {
      // The cool-down survives a restart: the last delivered call is in the history.
      const last = (await this.history.retrainingEvents(model, 50)).find((e) => e.outcome === 'delivered');
      if (last) s.lastDeliveredMs = last.timeMs;
      s.restored = true;
      this.metrics.watch(model, ['performance', 'concept_drift', 'dataset_drift', 'manual']);
    }
    return s;
  }

  private performanceVerdict(policy: ResolvedPolicy, model: string, s: ModelState, nowMs: number): Verdict | undefined {
    const p = policy.performance;
    if (!p) return undefined;
    const reports = this.signals.performance(model);
    const report = p.window ? reports.find((r) => r.window === p.window) : reports[0];
    const m = report && measure(report, p.metric);
    const ref = report?.reference ? (report.reference as unknown as Record<string, unknown>)[p.metric === 'macro_f1' ? 'macroF1' : p.metric] : undefined;
    const worse = (a: number, b: number) => (p.direction === 'higher' ? a < b : a > b);
    const breaches: string[] = [];
    if (m && p.threshold !== undefined && worse(m.value, p.threshold)) breaches.push('threshold');
    if (m && p.belowReferenceBy !== undefined && typeof ref === 'number') {
      const limit = p.direction === 'higher' ? ref - p.belowReferenceBy : ref + p.belowReferenceBy;
      if (worse(m.value, limit)) breaches.push('reference');
    }
    if (breaches.length === 0) {
      delete s.perfSince;
      return undefined;
    }
    s.perfSince ??= nowMs;
    return {
      reason: 'performance',
      holding: nowMs - s.perfSince >= p.forMs,
      evidence: {
        metric: p.metric,
        window: report!.window,
        variant: m!.variant,
        value: m!.value,
        labelled: m!.n,
        ...(typeof ref === 'number' ? { reference: ref } : {}),
        ...(p.threshold !== undefined ? { threshold: p.threshold } : {}),
        ...(p.belowReferenceBy !== undefined ? { belowReferenceBy: p.belowReferenceBy } : {}),
        breaches,
        since: new Date(s.perfSince).toISOString(),
        windowStart: report!.start,
        windowEnd: report!.end,
      },
    };
  }

  private conceptVerdict(policy: ResolvedPolicy, model: string, s: ModelState): Verdict | undefined {
    if (!policy.conceptDrift) return undefined;
    const fresh = this.signals.conceptEvents(model).filter((e) => e.atMs > s.conceptSeenMs);
    if (fresh.length === 0) return undefined;
    s.conceptSeenMs = Math.max(...fresh.map((e) => e.atMs));
    return {
      reason: 'concept_drift',
      holding: true,
      evidence: { detections: fresh.slice(-20).map((e) => ({ detector: e.detector, variant: e.variant, predictionId: e.predictionId, at: new Date(e.atMs).toISOString() })) },
    };
  }

  private driftVerdict(policy: ResolvedPolicy, model: string, s: ModelState, nowMs: number): Verdict | undefined {
    if (policy.datasetDriftForMs === undefined) return undefined;
    const drifted = this.signals.drift(model).filter((r) => r.report.datasetDrift);
    if (drifted.length === 0) {
      delete s.driftSince;
      return undefined;
    }
    s.driftSince ??= nowMs;
    return {
      reason: 'dataset_drift',
      holding: nowMs - s.driftSince >= policy.datasetDriftForMs,
      evidence: {
        since: new Date(s.driftSince).toISOString(),
        windows: drifted.map((r) => ({
          window: r.report.window,
          start: r.report.start,
          end: r.report.end,
          driftedShare: r.report.driftedShare,
          threshold: r.report.datasetDriftThreshold,
          driftedFeatures: r.report.features.filter((f) => f.verdict === 'drift').map((f) => f.feature).slice(0, 50),
        })),
      },
    };
  }

  /** One round over every model with a policy. Rounds never overlap. */
  check(nowMs = Date.now()): Promise<void> {
    this.running = this.running.then(() => this.round(nowMs)).catch((err) => this.log?.(`retraining: a round failed: ${(err as Error).message}`));
    return this.running;
  }

  private async round(nowMs: number): Promise<void> {
    for (const model of await this.signals.models()) {
      const policy = policyFor(this.config, model);
      if (!policy) continue;
      const s = await this.stateOf(model, nowMs);
      const verdicts = [this.performanceVerdict(policy, model, s, nowMs), this.conceptVerdict(policy, model, s), this.driftVerdict(policy, model, s, nowMs)].filter(
        (v): v is Verdict => v !== undefined,
      );
      const firing = verdicts.find((v) => v.holding);
      if (!firing) {
        // An episode ends when no condition holds any more (a breach still building up keeps it open).
        if (verdicts.length === 0) s.inEpisode = false;
        continue;
      }
      if (s.inEpisode) continue;
      s.inEpisode = true;
      const evidence = Object.fromEntries(verdicts.map((v) => [v.reason, v.evidence]));
      if (s.lastDeliveredMs !== undefined && nowMs - s.lastDeliveredMs < this.config.cooldownMs) {
        await this.record(model, firing.reason, 'suppressed', nowMs, { evidence, cooldownUntil: new Date(s.lastDeliveredMs + this.config.cooldownMs).toISOString() });
        continue;
      }
      await this.fire(model, firing.reason, evidence, policy, nowMs, s);
    }
  }

  /** A manual trigger (CLI, API): calls the webhook now, whatever the cool-down. */
  async trigger(model: string, note: string | undefined, nowMs = Date.now()): Promise<RetrainingEvent> {
    const s = await this.stateOf(model, nowMs);
    const policy = policyFor(this.config, model) ?? { conceptDrift: false, exportPeriodMs: 7 * 86_400_000 };
    return this.fire(model, 'manual', note ? { note } : {}, policy, nowMs, s);
  }

  exportUrl(model: string, fromMs: number, toMs: number): string {
    const q = new URLSearchParams({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), labelled: 'true', format: 'parquet' });
    return `${this.config.publicUrl ?? this.baseUrl()}/api/v1/models/${encodeURIComponent(model)}/dataset?${q}`;
  }

  private async fire(model: string, reason: TriggerReason, evidence: Record<string, unknown>, policy: ResolvedPolicy, nowMs: number, s: ModelState): Promise<RetrainingEvent> {
    const id = randomUUID();
    const fromMs = nowMs - policy.exportPeriodMs;
    const payload = {
      id,
      model,
      reason,
      triggeredAt: new Date(nowMs).toISOString(),
      evidence,
      export: { url: this.exportUrl(model, fromMs, nowMs), from: new Date(fromMs).toISOString(), to: new Date(nowMs).toISOString(), labelled: true, format: 'parquet' },
    };
    const d = await deliver(
      { url: this.config.webhookUrl, headers: this.config.webhookHeaders, attempts: this.config.attempts, retryDelayMs: this.config.retryDelayMs },
      payload,
      id,
    );
    if (d.delivered) s.lastDeliveredMs = nowMs;
    else this.log?.(`retraining: the webhook for ${model} failed after ${d.attempts} attempts (${d.error ?? 'no answer'})`);
    return this.record(model, reason, d.delivered ? 'delivered' : 'failed', nowMs, { ...payload, delivery: d }, id);
  }

  private async record(model: string, reason: TriggerReason, outcome: RetrainingEvent['outcome'], nowMs: number, detail: Record<string, unknown>, id: string = randomUUID()): Promise<RetrainingEvent> {
    const event: RetrainingEvent = { id, model, timeMs: nowMs, reason, outcome, detail };
    this.metrics.triggered(model, reason, outcome, nowMs);
    await this.history.appendRetrainingEvent(event).catch((err) => this.log?.(`retraining: history write failed: ${(err as Error).message}`));
    return event;
  }

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.check(), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}

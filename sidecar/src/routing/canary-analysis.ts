import {
  AnalysisCheck,
  CheckResult,
  RolloutTrigger,
  type AnalysisCheckValue,
  type CheckResultValue,
} from '@modelwatch/core';
import type { AnalysisConfig } from '../config/types.js';
import type { AnalysisSource, Measurements } from './analysis-source.js';
import { promote, rollback, stepTo } from './routing-state.js';
import type { VariantRouter } from './variant-router.js';

/** Who the events of automatic decisions name. */
export const ANALYSIS_ACTOR = 'canary-analysis';

export interface CheckOutcome {
  check: AnalysisCheckValue;
  result: CheckResultValue;
  detail: string;
}

/** Judges the candidate against the primary on one interval's measures; pure, for tests. */
export function judge(cfg: AnalysisConfig, canary: Measurements, primary: Measurements): CheckOutcome[] {
  const out: CheckOutcome[] = [];
  const add = (check: AnalysisCheckValue, result: CheckResultValue, detail: string) => out.push({ check, result, detail });
  const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : Number(v.toPrecision(4)).toString());
  if (canary.errorRatio === undefined) add(AnalysisCheck.errorRatio, CheckResult.insufficient, 'no canary requests');
  else {
    const excess = canary.errorRatio - (primary.errorRatio ?? 0);
    add(AnalysisCheck.errorRatio, excess > cfg.maxErrorRatioIncrease ? CheckResult.fail : CheckResult.pass,
      `error ratio ${fmt(canary.errorRatio)} vs primary ${fmt(primary.errorRatio)} (max increase ${cfg.maxErrorRatioIncrease})`);
  }
  if (canary.latencyP99 === undefined || primary.latencyP99 === undefined) add(AnalysisCheck.latencyP99, CheckResult.insufficient, 'no latency data');
  else {
    add(AnalysisCheck.latencyP99, canary.latencyP99 > cfg.maxLatencyRatio * primary.latencyP99 ? CheckResult.fail : CheckResult.pass,
      `p99 ${fmt(canary.latencyP99)}s vs primary ${fmt(primary.latencyP99)}s (max ratio ${cfg.maxLatencyRatio})`);
  }
  if (canary.disagreement === undefined) add(AnalysisCheck.disagreement, CheckResult.insufficient, 'no compared rows');
  else {
    add(AnalysisCheck.disagreement, canary.disagreement > cfg.maxDisagreement ? CheckResult.fail : CheckResult.pass,
      `disagreement ${fmt(canary.disagreement)} (max ${cfg.maxDisagreement})`);
  }
  if (canary.lowConfidence === undefined) add(AnalysisCheck.lowConfidence, CheckResult.insufficient, 'no classified rows');
  else {
    const excess = canary.lowConfidence - (primary.lowConfidence ?? 0);
    add(AnalysisCheck.lowConfidence, excess > cfg.maxLowConfidenceIncrease ? CheckResult.fail : CheckResult.pass,
      `low-confidence share ${fmt(canary.lowConfidence)} vs primary ${fmt(primary.lowConfidence)} (max increase ${cfg.maxLowConfidenceIncrease})`);
  }
  if (canary.drifted === undefined) add(AnalysisCheck.drift, CheckResult.insufficient, 'no drift verdict for the canary');
  else add(AnalysisCheck.drift, canary.drifted ? CheckResult.fail : CheckResult.pass, canary.drifted ? 'the collector reports drift on the canary' : 'no drift on the canary');
  return out;
}

/**
 * Automatic canary analysis (Flagger / Argo Rollouts style, on any platform): every interval the
 * canary is judged against the primary; a failed interval counts toward the failure threshold, and
 * reaching it rolls back at once; a passed interval steps the weight up, and after the last step the
 * canary is promoted. Intervals with fewer canary requests than the minimum are not judged.
 */
export class CanaryAnalysis {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private running = false;
  /** The last decision's reason, for the admin API. */
  last: { at: string; decision: string; checks: CheckOutcome[] } | undefined;

  constructor(
    private readonly router: VariantRouter,
    private readonly cfg: AnalysisConfig,
    private readonly source: AnalysisSource,
    private readonly log: (message: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.cfg.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One interval; exposed so tests can drive it without waiting. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.evaluate();
    } catch (err) {
      this.log(`canary analysis: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  private async evaluate(): Promise<void> {
    const s = this.router.current;
    if (!s.canary || s.canary.percent <= 0) {
      this.failures = 0;
      return;
    }
    const canaryName = s.canary.variant;
    const [canary, primary] = await Promise.all([
      this.source.measure(canaryName, this.cfg.intervalMs),
      this.source.measure(s.primary, this.cfg.intervalMs),
    ]);
    const m = this.router.metrics;
    if (canary.requests < this.cfg.minRequests) {
      for (const check of Object.values(AnalysisCheck)) m.check(canaryName, check, CheckResult.insufficient);
      this.last = { at: new Date().toISOString(), decision: `wait: ${canary.requests} canary requests, ${this.cfg.minRequests} needed`, checks: [] };
      return;
    }
    const checks = judge(this.cfg, canary, primary);
    for (const c of checks) m.check(canaryName, c.check, c.result);
    const failed = checks.filter((c) => c.result === CheckResult.fail);
    const at = new Date().toISOString();
    if (failed.length > 0) {
      this.failures++;
      m.analysisFailures.set(canaryName, this.failures);
      const why = failed.map((c) => `${c.check}: ${c.detail}`).join('; ');
      if (this.failures >= this.cfg.failureThreshold) {
        this.failures = 0;
        m.analysisFailures.set(canaryName, 0);
        await this.router.apply(rollback(s), ANALYSIS_ACTOR, RolloutTrigger.automatic, `rolled back after ${this.cfg.failureThreshold} failed intervals: ${why}`);
        this.last = { at, decision: 'rollback', checks };
        return;
      }
      this.last = { at, decision: `failed interval ${this.failures}/${this.cfg.failureThreshold}`, checks };
      return;
    }
    const next = this.cfg.steps.find((p) => p > s.canary!.percent);
    const passed = checks.filter((c) => c.result === CheckResult.pass).map((c) => c.check).join(', ');
    this.failures = 0;
    m.analysisFailures.set(canaryName, 0);
    if (next !== undefined) {
      await this.router.apply(stepTo(s, next), ANALYSIS_ACTOR, RolloutTrigger.automatic, `interval passed (${passed || 'no checks with data'}): weight ${s.canary.percent}% -> ${next}%`);
      this.last = { at, decision: `step to ${next}%`, checks };
    } else {
      await this.router.apply(promote(s), ANALYSIS_ACTOR, RolloutTrigger.automatic, `last step (${s.canary.percent}%) passed (${passed || 'no checks with data'}): promoted`);
      this.last = { at, decision: 'promote', checks };
    }
  }
}

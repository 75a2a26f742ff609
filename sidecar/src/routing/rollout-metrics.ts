import {
  AutomationLevel,
  Label,
  RolloutAction,
  RolloutTrigger,
  SidecarRollout,
  VariantRole,
  type AnalysisCheckValue,
  type CheckResultValue,
  type ComparisonResultValue,
  type MetricDescriptor,
  type RolloutActionValue,
  type RolloutTriggerValue,
  type ShadowOutcomeValue,
} from '@modelwatch/core';
import { escapeLabelValue, formatValue, header } from '../metrics/exposition.js';
import { HistogramSeries } from '../metrics/histogram-series.js';
import type { RoutingState } from './routing-state.js';

/** Outputs compared per variant pair at most (names come from model outputs: bounded like the monitors'). */
const MAX_COMPARED_OUTPUTS = 16;
/** Relative and absolute differences span many decades; these buckets keep both readable. */
const DIFFERENCE_BUCKETS = [0, 1e-6, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 100, 1000];

interface Counter {
  labels: string;
  value: number;
}

/**
 * The SidecarRollout metrics as plain counters rendered at scrape time (like SoftwareMetrics): shadow
 * calls, comparisons, routing events and analysis checks. Every label value comes from configuration
 * (variant names, output names bounded per pair) or from the closed sets in the contract.
 */
export class RolloutMetrics {
  private readonly counters = new Map<MetricDescriptor, Map<string, Counter>>();
  private readonly differences = new Map<string, { labels: string; series: HistogramSeries }>();
  private readonly outputsPerPair = new Map<string, Set<string>>();
  readonly shadowInFlight = new Map<string, number>();
  readonly analysisFailures = new Map<string, number>();
  lastEventSeconds = Date.now() / 1000;

  /** `idLabels(variant)` renders the identity labels (model, model_version, pipeline, stage, variant). */
  constructor(
    private readonly idLabels: (variant: string) => string,
    private readonly routing: () => RoutingState,
    private readonly variants: readonly string[],
  ) {
    // Event counters start at 0, so the first event of a kind is an increase (the rollback alert) and a
    // change (the dashboard's annotation): a series born at 1 shows neither. At most 8 × 6 × 2 series.
    for (const v of variants) {
      for (const action of Object.values(RolloutAction)) {
        for (const trigger of Object.values(RolloutTrigger)) {
          this.inc(SidecarRollout.events, v + action + trigger, () => `${this.idLabels(v)},${Label.action}="${action}",${Label.trigger}="${trigger}"`, 0);
        }
      }
    }
  }

  private inc(m: MetricDescriptor, key: string, labels: () => string, by = 1): void {
    let family = this.counters.get(m);
    if (!family) {
      family = new Map();
      this.counters.set(m, family);
    }
    let c = family.get(key);
    if (!c) {
      c = { labels: labels(), value: 0 };
      family.set(key, c);
    }
    c.value += by;
  }

  shadowCall(variant: string, outcome: ShadowOutcomeValue): void {
    this.inc(SidecarRollout.shadowRequests, variant + outcome, () => `${this.idLabels(variant)},${Label.outcome}="${outcome}"`);
  }

  /** False when the pair already has the maximum of distinct outputs (the output is then not compared). */
  acceptsOutput(variant: string, reference: string, output: string): boolean {
    const pair = `${variant}\u0000${reference}`;
    let set = this.outputsPerPair.get(pair);
    if (!set) {
      set = new Set();
      this.outputsPerPair.set(pair, set);
    }
    if (set.has(output)) return true;
    if (set.size >= MAX_COMPARED_OUTPUTS) return false;
    set.add(output);
    return true;
  }

  private pairLabels(variant: string, reference: string, output: string): string {
    return `${this.idLabels(variant)},${Label.referenceVariant}="${escapeLabelValue(reference)}",${Label.output}="${escapeLabelValue(output)}"`;
  }

  comparison(variant: string, reference: string, output: string, result: ComparisonResultValue, rows: number): void {
    this.inc(SidecarRollout.comparisons, `${variant}\u0000${reference}\u0000${output}\u0000${result}`,
      () => `${this.pairLabels(variant, reference, output)},${Label.result}="${result}"`, rows);
  }

  difference(variant: string, reference: string, output: string, kind: 'absolute' | 'relative', value: number): void {
    const key = `${variant}\u0000${reference}\u0000${output}\u0000${kind}`;
    let d = this.differences.get(key);
    if (!d) {
      d = { labels: `${this.pairLabels(variant, reference, output)},${Label.kind}="${kind}"`, series: new HistogramSeries(DIFFERENCE_BUCKETS) };
      this.differences.set(key, d);
    }
    d.series.observe(value);
  }

  event(variant: string, action: RolloutActionValue, trigger: RolloutTriggerValue): void {
    this.inc(SidecarRollout.events, variant + action + trigger, () => `${this.idLabels(variant)},${Label.action}="${action}",${Label.trigger}="${trigger}"`);
    this.lastEventSeconds = Date.now() / 1000;
  }

  check(variant: string, check: AnalysisCheckValue, result: CheckResultValue): void {
    this.inc(SidecarRollout.analysisChecks, variant + check + result, () => `${this.idLabels(variant)},${Label.check}="${check}",${Label.result}="${result}"`);
  }

  /** Current value of a counter, for tests and the analysis (0 when never counted). */
  count(m: MetricDescriptor, predicate: (labels: string) => boolean): number {
    let n = 0;
    for (const c of this.counters.get(m)?.values() ?? []) if (predicate(c.labels)) n += c.value;
    return n;
  }

  render(out: string[]): void {
    const state = this.routing();
    const R = SidecarRollout;
    out.push(header(R.trafficWeight.name, 'gauge', R.trafficWeight.help));
    const canaryShare = state.canary ? state.canary.percent / 100 : 0;
    for (const v of this.variants) {
      let role: string = VariantRole.standby;
      let weight = 0;
      if (v === state.primary) {
        role = VariantRole.primary;
        weight = 1 - canaryShare;
      } else if (state.canary?.variant === v) {
        role = VariantRole.canary;
        weight = canaryShare;
      } else if (state.shadow?.variant === v) {
        role = VariantRole.shadow;
        weight = state.shadow.percent / 100;
      }
      out.push(`${R.trafficWeight.name}{${this.idLabels(v)},${Label.role}="${role}"} ${formatValue(weight)}\n`);
    }
    for (const m of [R.shadowRequests, R.comparisons, R.events, R.analysisChecks]) {
      out.push(header(m.name, 'counter', m.help));
      for (const c of this.counters.get(m)?.values() ?? []) out.push(`${m.name}{${c.labels}} ${c.value}\n`);
    }
    out.push(header(R.difference.name, 'histogram', R.difference.help));
    for (const d of this.differences.values()) d.series.render(R.difference.name, d.labels, out);
    out.push(header(R.shadowInFlight.name, 'gauge', R.shadowInFlight.help));
    for (const [v, n] of this.shadowInFlight) out.push(`${R.shadowInFlight.name}{${this.idLabels(v)}} ${n}\n`);
    out.push(header(R.analysisFailures.name, 'gauge', R.analysisFailures.help));
    for (const [v, n] of this.analysisFailures) out.push(`${R.analysisFailures.name}{${this.idLabels(v)}} ${n}\n`);
    const primary = this.idLabels(state.primary);
    out.push(header(R.lastEvent.name, 'gauge', R.lastEvent.help), `${R.lastEvent.name}{${primary}} ${formatValue(this.lastEventSeconds)}\n`);
    out.push(header(R.automationLevel.name, 'gauge', R.automationLevel.help));
    for (const level of Object.values(AutomationLevel)) {
      out.push(`${R.automationLevel.name}{${primary},${Label.level}="${level}"} ${level === state.automation ? 1 : 0}\n`);
    }
  }
}

import type { HealthState, PanelOptions, SignalKey, SignalThresholds, SignalView } from '../types.js';

const RANK: Record<HealthState, number> = { unknown: 0, ok: 1, warning: 2, critical: 3 };

/** Worst of several states; `unknown` only when nothing is known. */
export function worst(states: Iterable<HealthState>): HealthState {
  let result: HealthState = 'unknown';
  for (const s of states) if (RANK[s] > RANK[result]) result = s;
  return result;
}

export const STATE_LABEL: Record<HealthState, string> = {
  ok: 'OK',
  warning: 'Warning',
  critical: 'Critical',
  unknown: 'No data',
};

/** Higher is worse; a value at or above a threshold reaches it. */
export function stateOf(value: number | undefined, t: SignalThresholds): HealthState {
  if (value === undefined || Number.isNaN(value)) return 'unknown';
  if (value >= t.critical) return 'critical';
  if (value >= t.warning) return 'warning';
  return 'ok';
}

export function formatPercent(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const p = v * 100;
  // Number() drops the trailing zeros toFixed leaves (5.0 → 5) and the float noise of 0.05 * 100.
  return `${Number(p.toFixed(p >= 10 ? 0 : p >= 1 ? 1 : 2))}%`;
}

export function formatSeconds(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  return v >= 1 ? `${v.toFixed(2)} s` : `${(v * 1000).toFixed(v >= 0.01 ? 0 : 1)} ms`;
}

export function formatRate(v: number | undefined): string {
  if (v === undefined) return 'no data';
  if (v >= 1000) return `${(v / 1000).toFixed(1)}k req/s`;
  return `${v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(v >= 1 ? 1 : 2)} req/s`;
}

/** What is known about one stage, each undefined when its query returned nothing for it. */
export interface StageMeasurements {
  /** Share of the stage's scrape targets that are up (0..1). */
  upRatio?: number;
  targets?: number;
  errorRatio?: number;
  latencyP99?: number;
  emptyOutputRatio?: number;
  lowConfidenceRatio?: number;
  driftedFeaturesRatio?: number;
  datasetDrift?: boolean;
  /** Realized accuracy as a share of the baseline's reference (1 = as at training); absent without labels. */
  accuracyVsReference?: number;
}

function thresholded(key: SignalKey, label: string, value: number | undefined, t: SignalThresholds,
  fmt: (v: number) => string): SignalView {
  return {
    key, label, value,
    display: value === undefined || Number.isNaN(value) ? 'no data' : fmt(value),
    threshold: `warning ≥ ${fmt(t.warning)}, critical ≥ ${fmt(t.critical)}`,
    state: stateOf(value, t),
  };
}

/** Every signal of a stage with its value, the threshold applied and its state, in display order. */
export function evaluateSignals(m: StageMeasurements, o: PanelOptions): SignalView[] {
  const up: SignalView = {
    key: 'up',
    label: 'Targets up',
    value: m.upRatio,
    display: m.upRatio === undefined ? 'no data'
      : `${Math.round(m.upRatio * (m.targets ?? 1))}/${m.targets ?? 1}`,
    threshold: 'warning when one target is down, critical when all are',
    state: m.upRatio === undefined ? 'unknown' : m.upRatio <= 0 ? 'critical' : m.upRatio < 1 ? 'warning' : 'ok',
  };
  const drift = thresholded('drift', 'Drifted features', m.driftedFeaturesRatio, o.driftedFeaturesRatio, formatPercent);
  if (m.datasetDrift) {
    drift.state = 'critical';
    drift.display = `${drift.value === undefined ? '' : `${drift.display}, `}dataset drift detected`;
  }
  drift.threshold += '; critical when the collector detects dataset drift';
  const signals: SignalView[] = [
    up,
    thresholded('errorRatio', 'Error ratio', m.errorRatio, o.errorRatio, formatPercent),
    thresholded('latencyP99', 'Latency p99 (SLO)', m.latencyP99, o.latencyP99, formatSeconds),
    thresholded('emptyOutputRatio', 'Empty outputs', m.emptyOutputRatio, o.emptyOutputRatio, formatPercent),
    thresholded('lowConfidenceRatio', 'Low confidence', m.lowConfidenceRatio, o.lowConfidenceRatio, formatPercent),
    drift,
  ];
  // Ground truth is optional: the signal appears (and counts in the stage's health) only with labels.
  if (m.accuracyVsReference !== undefined) {
    const perf = thresholded('performance', 'Realized accuracy', 1 - m.accuracyVsReference, o.accuracyShortfall, formatPercent);
    perf.display = `${formatPercent(m.accuracyVsReference)} of reference`;
    perf.threshold = `warning below ${formatPercent(1 - o.accuracyShortfall.warning)}, critical below ${formatPercent(1 - o.accuracyShortfall.critical)} of the baseline's hold-out accuracy`;
    signals.push(perf);
  }
  return signals;
}

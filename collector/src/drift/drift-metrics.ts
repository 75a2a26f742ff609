import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CollectorDrift, type BaselineProfile, type DriftReport, type MetricDescriptor } from '@modelwatch/core';

/** Closed set of `reason` values of evaluation_errors_total: labels stay bounded. */
export type EvaluationErrorReason =
  | 'prometheus_unreachable'
  | 'prometheus_timeout'
  | 'prometheus_error'
  | 'query_too_large'
  | 'round_budget'
  | 'bucket_mismatch'
  | 'shape_mismatch'
  | 'drift_failed'
  | 'store_error';

type Labels = Record<string, string>;
/** Label sets written for one (model, window), keyed by the label values that vary. */
interface SeriesSet {
  full: Map<string, Labels>;
  samples: Map<string, Labels>;
  withP: Map<string, Labels>;
  withVerdict: Map<string, Labels>;
}

function gauge(registry: Registry, d: MetricDescriptor): Gauge {
  return new Gauge({ name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] });
}
function counter(registry: Registry, d: MetricDescriptor): Counter {
  return new Counter({ name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] });
}

/**
 * The collector's /metrics: drift results and its own health, registered only from core's
 * CollectorDrift descriptors. Reads results, never computes them. Per-feature series are
 * remembered per (model, window) so a feature or baseline that disappears loses its series
 * instead of exporting a stale value forever.
 */
export class DriftMetrics {
  readonly registry = new Registry();
  private readonly score = gauge(this.registry, CollectorDrift.score);
  private readonly threshold = gauge(this.registry, CollectorDrift.threshold);
  private readonly detected = gauge(this.registry, CollectorDrift.detected);
  private readonly pValue = gauge(this.registry, CollectorDrift.pValue);
  private readonly windowSamples = gauge(this.registry, CollectorDrift.windowSamples);
  private readonly driftedShare = gauge(this.registry, CollectorDrift.driftedShare);
  private readonly datasetDrift = gauge(this.registry, CollectorDrift.datasetDrift);
  private readonly baselineInfo = gauge(this.registry, CollectorDrift.baselineInfo);
  private readonly baselineCreated = gauge(this.registry, CollectorDrift.baselineCreated);
  private readonly baselineRows = gauge(this.registry, CollectorDrift.baselineRows);
  private readonly evaluations = counter(this.registry, CollectorDrift.evaluations);
  private readonly evaluationErrors = counter(this.registry, CollectorDrift.evaluationErrors);
  private readonly evaluationDuration = new Histogram({
    name: CollectorDrift.evaluationDuration.name,
    help: CollectorDrift.evaluationDuration.help,
    labelNames: [...CollectorDrift.evaluationDuration.labels],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly lastEvaluation = gauge(this.registry, CollectorDrift.lastEvaluation);
  private readonly pushedWindows = counter(this.registry, CollectorDrift.pushedWindows);

  /** `${model}\0${window}` → label sets written by the last publish of that pair. */
  private readonly featureSeries = new Map<string, SeriesSet>();
  /** model → baseline labels currently exported. */
  private readonly baselineSeries = new Map<string, Labels>();

  constructor(defaultMetrics = true) {
    if (defaultMetrics) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client names these gauges `_total`, which `promtool check metrics` rejects; the
      // collector's /metrics must lint clean, and these three say nothing about drift.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(name);
      }
    }
  }

  /** Exports one report, replacing what the previous report of the same model and window exported. */
  publish(report: DriftReport): void {
    const variant = report.variant;
    const key = variant === undefined ? `${report.model}\u0000${report.window}` : `${report.model}\u0000${report.window}\u0000${variant}`;
    // Reports of all variants together carry no variant label (the series every sidecar had before rollouts).
    const v: Labels = variant === undefined ? {} : { variant };
    const written: SeriesSet = { full: new Map(), samples: new Map(), withP: new Map(), withVerdict: new Map() };
    for (const f of report.features) {
      const full = { model: report.model, feature: f.feature, kind: f.kind, method: f.method, window: report.window, ...v };
      const samples = { model: report.model, feature: f.feature, kind: f.kind, window: report.window, ...v };
      const fullKey = `${f.feature}\u0000${f.kind}\u0000${f.method}`;
      this.threshold.set(full, f.threshold);
      this.windowSamples.set(samples, f.windowSamples);
      written.full.set(fullKey, full);
      written.samples.set(`${f.feature}\u0000${f.kind}`, samples);
      if (f.score !== null && Number.isFinite(f.score)) this.score.set(full, f.score);
      else this.score.remove(full);
      // Absent when the window is too small: a missing series says "no verdict", a 0 would say "no drift".
      if (f.verdict !== 'insufficient_data') {
        this.detected.set(full, f.verdict === 'drift' ? 1 : 0);
        written.withVerdict.set(fullKey, full);
      }
      if (f.pValue !== undefined && Number.isFinite(f.pValue)) {
        this.pValue.set(full, f.pValue);
        written.withP.set(fullKey, full);
      }
    }
    // Only series the new report did not write are removed: removing and re-adding all of them
    // doubled the cost of a 1,000-feature publish (bench/collector/evaluation.ts).
    const previous = this.featureSeries.get(key);
    if (previous) this.removeSeries(previous, written);
    this.featureSeries.set(key, written);
    const ds = { model: report.model, window: report.window, ...v };
    this.driftedShare.set(ds, report.driftedShare);
    this.datasetDrift.set(ds, report.datasetDrift ? 1 : 0);
    if (variant === undefined) this.lastEvaluation.set(ds, Date.now() / 1000);
  }

  /** Drops per-variant series of a model and window, except those of the variants in `keep`. */
  forgetVariants(model: string, window: string, keep: ReadonlySet<string> = new Set()): void {
    for (const key of [...this.featureSeries.keys()]) {
      const [m, w, variant] = key.split('\u0000');
      if (m !== model || w !== window || variant === undefined || keep.has(variant)) continue;
      this.clearFeatureSeries(key);
      this.featureSeries.delete(key);
      this.driftedShare.remove({ model, window, variant });
      this.datasetDrift.remove({ model, window, variant });
    }
  }

  /** Sets the baseline series to exactly the given active baselines; drops models no longer active. */
  setActiveBaselines(baselines: BaselineProfile[]): void {
    const active = new Map(baselines.map((b) => [b.model, b]));
    for (const [model, labels] of this.baselineSeries) {
      const b = active.get(model);
      if (!b || b.version !== labels.baseline_version) {
        this.baselineInfo.remove(labels);
        this.baselineCreated.remove(labels);
        this.baselineRows.remove(labels);
        this.baselineSeries.delete(model);
      }
      if (!b) this.forgetModel(model);
    }
    for (const b of baselines) {
      const labels = { model: b.model, baseline_version: b.version ?? '' };
      this.baselineInfo.set(labels, 1);
      const created = Date.parse(b.createdAt);
      if (Number.isFinite(created)) this.baselineCreated.set(labels, created / 1000);
      this.baselineRows.set(labels, b.rows);
      this.baselineSeries.set(b.model, labels);
    }
  }

  /** Drops every drift series of a model (its baseline is gone or no longer active). */
  forgetModel(model: string): void {
    for (const key of [...this.featureSeries.keys()]) {
      const [m, window, variant] = key.split('\u0000');
      if (m !== model) continue;
      this.clearFeatureSeries(key);
      this.featureSeries.delete(key);
      const ds = variant === undefined ? { model, window } : { model, window, variant };
      this.driftedShare.remove(ds);
      this.datasetDrift.remove(ds);
      this.lastEvaluation.remove({ model, window });
    }
  }

  /** Drops the series of one model and window (e.g. the window no longer has a report). */
  forgetWindow(model: string, window: string): void {
    this.forgetVariants(model, window);
    const key = `${model}\u0000${window}`;
    this.clearFeatureSeries(key);
    this.featureSeries.delete(key);
    this.driftedShare.remove({ model, window });
    this.datasetDrift.remove({ model, window });
  }

  evaluated(model: string, source: string): void {
    this.evaluations.inc({ model, source });
  }

  evaluationFailed(model: string, reason: EvaluationErrorReason): void {
    this.evaluationErrors.inc({ model, reason });
  }

  observeDuration(model: string, seconds: number): void {
    this.evaluationDuration.observe({ model }, seconds);
  }

  pushed(model: string, outcome: 'accepted' | 'duplicate' | 'rejected'): void {
    this.pushedWindows.inc({ model, outcome });
  }

  private clearFeatureSeries(key: string): void {
    const prev = this.featureSeries.get(key);
    if (prev) this.removeSeries(prev);
  }

  /** Removes the series of `prev` that `keep` does not have (all of them without `keep`). */
  private removeSeries(prev: SeriesSet, keep?: SeriesSet): void {
    for (const [k, l] of prev.full) {
      if (keep?.full.has(k)) continue;
      this.score.remove(l);
      this.threshold.remove(l);
    }
    for (const [k, l] of prev.withVerdict) if (!keep?.withVerdict.has(k)) this.detected.remove(l);
    for (const [k, l] of prev.withP) if (!keep?.withP.has(k)) this.pValue.remove(l);
    for (const [k, l] of prev.samples) if (!keep?.samples.has(k)) this.windowSamples.remove(l);
  }
}

import { Counter, Gauge, type Registry } from 'prom-client';
import { CollectorPerformance, PerformanceMeasure, type MetricDescriptor, type PerformanceResult } from '@modelwatch/core';
import type { PerformanceReport } from './report.js';

type Labels = Record<string, string>;

function gauge(registry: Registry, d: MetricDescriptor): Gauge {
  return new Gauge({ name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] });
}
function counter(registry: Registry, d: MetricDescriptor): Counter {
  return new Counter({ name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] });
}

/** The measures of a result as `metric` label → value (a closed set). */
export function measures(r: PerformanceResult): [string, number][] {
  if (r.task === 'regression') return [[PerformanceMeasure.mae, r.mae], [PerformanceMeasure.rmse, r.rmse], [PerformanceMeasure.bias, r.bias]];
  const out: [string, number][] = [[PerformanceMeasure.accuracy, r.accuracy], [PerformanceMeasure.macroF1, r.macroF1]];
  if (r.ece !== undefined) out.push([PerformanceMeasure.ece, r.ece]);
  return out;
}

/**
 * Realized performance, label coverage and delay, event rates and concept-drift detector state on
 * the collector's /metrics. Reads reports, never computes them. Series written for a (model,
 * window) are remembered and removed when the next report no longer has them (a variant that
 * stopped serving does not keep exporting its last value).
 */
export class PerformanceMetrics {
  private readonly realized: Gauge;
  private readonly reference: Gauge;
  private readonly precision: Gauge;
  private readonly recall: Gauge;
  private readonly labelled: Gauge;
  private readonly predictions: Gauge;
  private readonly coverage: Gauge;
  private readonly delay: Gauge;
  private readonly eventRate: Gauge;
  private readonly drifts: Counter;
  private readonly lastDrift: Gauge;
  private readonly warning: Gauge;
  private readonly labelsFed: Counter;
  private readonly evaluations: Counter;
  private readonly written = new Map<string, [Gauge, Labels][]>();
  private readonly referenceWritten = new Map<string, Labels[]>();

  constructor(registry: Registry) {
    const P = CollectorPerformance;
    this.realized = gauge(registry, P.realized);
    this.reference = gauge(registry, P.reference);
    this.precision = gauge(registry, P.classPrecision);
    this.recall = gauge(registry, P.classRecall);
    this.labelled = gauge(registry, P.labelled);
    this.predictions = gauge(registry, P.predictionsInWindow);
    this.coverage = gauge(registry, P.labelCoverage);
    this.delay = gauge(registry, P.labelDelay);
    this.eventRate = gauge(registry, P.eventRate);
    this.drifts = counter(registry, P.conceptDrifts);
    this.lastDrift = gauge(registry, P.conceptDriftLast);
    this.warning = gauge(registry, P.conceptWarning);
    this.labelsFed = counter(registry, P.conceptLabels);
    this.evaluations = counter(registry, P.performanceEvaluations);
  }

  publish(report: PerformanceReport): void {
    const key = `${report.model}\u0000${report.window}`;
    for (const [g, labels] of this.written.get(key) ?? []) g.remove(labels);
    const written: [Gauge, Labels][] = [];
    const set = (g: Gauge, labels: Labels, v: number) => {
      if (!Number.isFinite(v)) return;
      g.set(labels, v);
      written.push([g, labels]);
    };
    for (const v of report.variants) {
      const base = { model: report.model, variant: v.variant, window: report.window };
      set(this.predictions, base, v.predictions);
      set(this.labelled, base, v.labelled);
      if (v.labelCoverage !== undefined) set(this.coverage, base, v.labelCoverage);
      if (v.labelDelaySeconds) set(this.delay, base, v.labelDelaySeconds.p50);
      for (const [event, rate] of Object.entries(v.eventRates)) set(this.eventRate, { ...base, event }, rate);
      const perf = v.performance;
      if (!perf) continue;
      for (const [metric, value] of measures(perf)) set(this.realized, { ...base, metric }, value);
      if (perf.task === 'classification') {
        for (const c of perf.classes) {
          if (c.precision !== undefined) set(this.precision, { ...base, class: c.class }, c.precision);
          if (c.recall !== undefined) set(this.recall, { ...base, class: c.class }, c.recall);
        }
      }
    }
    this.written.set(key, written);
    for (const labels of this.referenceWritten.get(report.model) ?? []) this.reference.remove(labels);
    const ref: Labels[] = [];
    if (report.reference) {
      for (const [metric, value] of measures(report.reference)) {
        const labels = { model: report.model, metric };
        this.reference.set(labels, value);
        ref.push(labels);
      }
    }
    this.referenceWritten.set(report.model, ref);
  }

  detected(model: string, variant: string, detector: string, atMs: number): void {
    this.drifts.inc({ model, variant, detector });
    this.lastDrift.set({ model, variant, detector }, atMs / 1000);
  }

  /** Detector series exist from the first label on (at 0), so rate() and alerts have a series to read. */
  detectorSeen(model: string, variant: string, detector: string, warning: boolean, lastDetectionMs: number | undefined): void {
    this.drifts.inc({ model, variant, detector }, 0);
    this.warning.set({ model, variant, detector }, warning ? 1 : 0);
    if (lastDetectionMs !== undefined) this.lastDrift.set({ model, variant, detector }, lastDetectionMs / 1000);
  }

  labelsConsumed(model: string, variant: string, n: number): void {
    this.labelsFed.inc({ model, variant }, n);
  }

  evaluated(model: string, outcome: 'success' | 'error'): void {
    this.evaluations.inc({ model, outcome });
  }
}

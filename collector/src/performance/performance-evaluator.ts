import type { BaselineStore } from '../store/baseline-store.js';
import type { PredictionStore } from '../store/prediction-store.js';
import { ConceptMonitor, type ConceptEvent } from './concept-monitor.js';
import type { DetectorParams } from './detector-params.js';
import type { PerformanceMetrics } from './performance-metrics.js';
import type { PerformanceReport } from './report.js';
import { windowPerformance } from './window-performance.js';

export interface PerformanceEvaluatorOptions {
  predictions: PredictionStore;
  baselines: BaselineStore;
  metrics: PerformanceMetrics;
  windows: readonly { label: string; ms: number }[];
  events: readonly string[];
  historyKeep: number;
  /** Whether this collector evaluates a model (leases when several collectors share PostgreSQL); default all. */
  owns?: (model: string) => boolean;
  log?: (message: string) => void;
  now?: () => number;
  /** Concept-drift detector parameters; River's defaults when unset. */
  detectorParams?: DetectorParams;
}

/**
 * Each round, for every model with prediction records: realized performance per window and
 * variant (published and kept in history), then the concept-drift detectors on the labels that
 * arrived since the last round. One model failing never stops the others.
 */
export class PerformanceEvaluator {
  private readonly latest = new Map<string, PerformanceReport[]>();
  private readonly concept: ConceptMonitor;
  private timer: NodeJS.Timeout | undefined;
  /** Rounds run one after another; an explicit evaluate() always gets a round that starts after it was called. */
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Detections seen by this process, newest last (bounded), for GET …/concept-drift. */
  private readonly recentEvents: ConceptEvent[] = [];

  constructor(private readonly o: PerformanceEvaluatorOptions) {
    this.concept = new ConceptMonitor(o.predictions, o.metrics, undefined, o.detectorParams);
  }

  latestReports(model: string): PerformanceReport[] {
    return this.latest.get(model) ?? [];
  }

  conceptEvents(model: string): ConceptEvent[] {
    return this.recentEvents.filter((e) => e.model === model);
  }

  evaluate(): Promise<void> {
    this.pending++;
    const next = this.tail.then(() => this.round()).finally(() => {
      this.pending--;
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async round(): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    let models: string[];
    try {
      models = await this.o.predictions.predictionModels();
    } catch (err) {
      this.o.log?.(`performance: listing models failed: ${(err as Error).message}`);
      return;
    }
    for (const model of models) {
      if (this.o.owns && !this.o.owns(model)) continue;
      try {
        const baseline = await this.o.baselines.getActiveBaseline(model);
        const reports: PerformanceReport[] = [];
        for (const w of this.o.windows) {
          const fromMs = now - w.ms;
          const [labelled, counts] = await Promise.all([
            this.o.predictions.performanceCounts(model, fromMs, now),
            this.o.predictions.predictionCounts(model, fromMs, now),
          ]);
          const report = windowPerformance(model, { label: w.label, fromMs, toMs: now }, labelled, counts, this.o.events, baseline);
          this.o.metrics.publish(report);
          await this.o.predictions.appendPerformance(report, new Date(now).toISOString());
          reports.push(report);
        }
        this.latest.set(model, reports);
        const events = await this.concept.run(model);
        this.recentEvents.push(...events);
        if (this.recentEvents.length > 1000) this.recentEvents.splice(0, this.recentEvents.length - 1000);
        for (const e of events) this.o.log?.(`concept drift: ${e.detector} on ${e.model}/${e.variant} at prediction ${e.predictionId}`);
        this.o.metrics.evaluated(model, 'success');
      } catch (err) {
        this.o.metrics.evaluated(model, 'error');
        this.o.log?.(`performance of ${model} failed: ${(err as Error).message}`);
      }
    }
    await this.o.predictions.prunePerformanceHistory(this.o.historyKeep).catch(() => undefined);
  }

  start(everyMs: number): void {
    // A tick while a round is still running is skipped, so slow rounds never pile up.
    this.timer = setInterval(() => {
      if (this.pending === 0) void this.evaluate();
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.tail;
  }
}

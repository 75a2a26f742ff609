import { Gauge, type Registry } from 'prom-client';
import { CollectorReview } from '@modelwatch/core';
import type { PredictionStore } from '../store/prediction-store.js';
import { AUTOMATION_THRESHOLDS, computeAutomation } from './automation-report.js';

/** The dashboard's automation panel reads the last week of labels. */
const PERIOD_MS = 7 * 86_400_000;
/** Recomputed this often: a week of labels moves slowly, and each round reads them all. */
const EVERY_MS = 5 * 60_000;
/** After new labels (review decisions), recomputed at most this often. */
const AFTER_LABELS_MS = 10_000;

/**
 * The automation report as gauges (`threshold` from the fixed AUTOMATION_THRESHOLDS, so bounded),
 * for the dashboard panel: the same numbers `modelwatch automation report` prints.
 */
export class AutomationMetrics {
  private readonly share: Gauge;
  private readonly accuracy: Gauge;
  private lastMs = -Infinity;
  private dirty = false;

  constructor(
    registry: Registry,
    private readonly predictions: PredictionStore,
  ) {
    const d = CollectorReview;
    this.share = new Gauge({ name: d.automationShare.name, help: d.automationShare.help, labelNames: [...d.automationShare.labels], registers: [registry] });
    this.accuracy = new Gauge({ name: d.automationAccuracy.name, help: d.automationAccuracy.help, labelNames: [...d.automationAccuracy.labels], registers: [registry] });
  }

  /** New labels arrived: the next refresh may come sooner than the periodic one. */
  labelsArrived(): void {
    this.dirty = true;
  }

  /** Recomputes every model's gauges when due (or when `force`). */
  async refresh(nowMs: number, force = false): Promise<void> {
    const due = nowMs - this.lastMs >= (this.dirty ? AFTER_LABELS_MS : EVERY_MS);
    if (!force && !due) return;
    this.lastMs = nowMs;
    this.dirty = false;
    for (const model of await this.predictions.predictionModels()) {
      const report = computeAutomation(await this.predictions.labelledPredictions(model, nowMs - PERIOD_MS, nowMs), AUTOMATION_THRESHOLDS);
      for (const row of report.rows) {
        const labels = { model, threshold: String(row.threshold) };
        if (report.labelled === 0) {
          this.share.remove(labels);
          this.accuracy.remove(labels);
          continue;
        }
        this.share.set(labels, row.share);
        if (row.accuracy === null) this.accuracy.remove(labels);
        else this.accuracy.set(labels, row.accuracy);
      }
    }
  }
}

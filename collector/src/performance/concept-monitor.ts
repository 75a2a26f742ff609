import { CONCEPT_DETECTORS, predictionError, type ConceptDetector, type ConceptDetectorName } from '@modelwatch/core';
import type { DetectorStateRow, LabelledPrediction, PredictionStore } from '../store/prediction-store.js';
import { resolveDetectorParams, sameParams, type DetectorParams } from './detector-params.js';
import type { PerformanceMetrics } from './performance-metrics.js';

/** Labels read per round and model: a backlog is worked off over several rounds, memory stays bounded. */
const MAX_LABELS_PER_ROUND = 100_000;

/** What the monitor keeps per (variant, detector) next to the detector's own state. */
interface Persisted {
  detector: unknown;
  /** When it last detected a drift (ms), for the timestamp gauge after a restart. */
  lastDetectionMs?: number;
  detections: number;
}

export interface ConceptEvent {
  model: string;
  variant: string;
  detector: ConceptDetectorName;
  /** The labelled prediction at which the drift was detected. */
  predictionId: string;
  /** When its label arrived. */
  atMs: number;
}

/**
 * Feeds every new label, in arrival order, to the concept-drift detectors of its model and
 * variant, and stores their state with the last label consumed, so a restarted collector resumes
 * the same detectors at the next label (nothing replayed, nothing skipped). DDM needs right/wrong
 * and runs on classes only; ADWIN and Page-Hinkley run on the error of classes and values alike.
 */
export class ConceptMonitor {
  constructor(
    private readonly store: PredictionStore,
    private readonly metrics: PerformanceMetrics,
    private readonly detectors: readonly ConceptDetectorName[] = ['ddm', 'adwin', 'page_hinkley'],
    /** Configured parameters (collector option conceptDrift); River's defaults when not given. */
    private readonly params: DetectorParams = resolveDetectorParams(),
  ) {}

  async run(model: string): Promise<ConceptEvent[]> {
    const stored = await this.store.detectorStates(model);
    const states = new Map<string, DetectorStateRow>(stored.map((r) => [`${r.variant}\u0000${r.detector}`, r]));
    const cursor = stored.reduce((m, r) => Math.max(m, r.cursor), 0);
    const labels = await this.store.labelsSince(model, cursor, MAX_LABELS_PER_ROUND);
    // Publish restored detectors even when nothing new arrived (after a restart).
    for (const r of stored) {
      const p = r.state as Persisted;
      const warning = (p.detector as { warning?: boolean } | undefined)?.warning === true;
      this.metrics.detectorSeen(model, r.variant, r.detector, warning, p.lastDetectionMs);
    }
    if (labels.length === 0) return [];
    const last = labels[labels.length - 1].seq;
    const byVariant = new Map<string, LabelledPrediction[]>();
    for (const l of labels) {
      let list = byVariant.get(l.variant);
      if (!list) byVariant.set(l.variant, (list = []));
      list.push(l);
    }
    const events: ConceptEvent[] = [];
    const rows: DetectorStateRow[] = [];
    for (const [variant, list] of byVariant) {
      const scored = list.map((l) => ({ l, e: predictionError(l.prediction, l.label, l.labelValue) })).filter((x) => x.e !== undefined);
      const classification = scored.some((x) => x.l.label !== undefined);
      this.metrics.labelsConsumed(model, variant, scored.length);
      for (const name of this.detectors) {
        if (name === 'ddm' && !classification) continue;
        const detector = CONCEPT_DETECTORS[name] as unknown as ConceptDetector<unknown, unknown>;
        const key = `${variant}\u0000${name}`;
        const previous = states.get(key)?.state as Persisted | undefined;
        // A stored state made with other parameters (the configuration changed) starts over with
        // the configured ones; its detection count and last detection are kept.
        const params = this.params[name];
        const persisted: Persisted =
          previous && detector.isState(previous.detector) && sameParams(previous.detector, params)
            ? previous
            : { ...(previous?.lastDetectionMs !== undefined ? { lastDetectionMs: previous.lastDetectionMs } : {}), detector: detector.init(params), detections: previous?.detections ?? 0 };
        const result = detector.run(persisted.detector, scored.map((x) => x.e!));
        const next: Persisted = { detector: result.state, detections: persisted.detections };
        if (persisted.lastDetectionMs !== undefined) next.lastDetectionMs = persisted.lastDetectionMs;
        for (const ev of result.events) {
          if (ev.kind !== 'drift') continue;
          const at = scored[ev.index].l;
          next.detections++;
          next.lastDetectionMs = at.labelMs;
          this.metrics.detected(model, variant, name, at.labelMs);
          events.push({ model, variant, detector: name, predictionId: at.id, atMs: at.labelMs });
        }
        const warning = (result.state as { warning?: boolean }).warning === true;
        this.metrics.detectorSeen(model, variant, name, warning, next.lastDetectionMs);
        rows.push({ variant, detector: name, state: next, cursor: last });
      }
    }
    // Variants without new labels keep their state but move the cursor, so the next read starts after `last`.
    for (const r of stored) if (!rows.some((x) => x.variant === r.variant && x.detector === r.detector)) rows.push({ ...r, cursor: last });
    await this.store.putDetectorStates(model, rows);
    return events;
  }
}

import express, { type Request, type RequestHandler } from 'express';
import {
  checkFeedbackBatch,
  checkPredictionBatch,
  FeedbackErrors,
  isEventFeedback,
  isPredictionId,
  ModelwatchError,
  RequestErrors,
  type FeedbackOutcome,
} from '@modelwatch/core';
import type { FeedbackMetrics } from '../performance/feedback-metrics.js';
import type { ConceptEvent } from '../performance/concept-monitor.js';
import type { PerformanceReport } from '../performance/report.js';
import type { PredictionStore } from '../store/prediction-store.js';
import { isModelName } from './names.js';

export interface PredictionRouteDeps {
  predictions: PredictionStore;
  metrics: FeedbackMetrics;
  /** Records older than this are pruned; feedback for them is counted `late`. */
  retentionMs: number;
  /** User-signal names accepted on the feedback route. */
  events: ReadonlySet<string>;
  /** Labels whose record has not arrived: held up to `max` per model for `graceMs` (max 0: not held). */
  pendingLabels?: { max: number; graceMs: number };
  maxBodyBytes: number;
  /**
   * Scope checks. Intended scopes: reader reads stored payloads, writer ships records (sidecars),
   * labeller posts feedback, admin erases by subject.
   */
  auth: { reader: RequestHandler; payloadReader: RequestHandler; writer: RequestHandler; labeller: RequestHandler; admin: RequestHandler };
  /** Called after feedback was applied (realized performance and detectors catch up). */
  feedbackApplied?(model: string): void;
  /** Latest realized-performance reports per window, and detector events, from the evaluation loop. */
  performance?: {
    latestReports(model: string): PerformanceReport[];
    conceptEvents(model: string): ConceptEvent[];
  };
}

const PAGE_MAX = 10_000;

function modelParam(req: Request): string {
  const model = String(req.params.model);
  if (!isModelName(model)) {
    throw new ModelwatchError(FeedbackErrors.invalidQuery, {
      detail: `model name "${model.slice(0, 140)}" is invalid: use 1-128 of A-Z a-z 0-9 _ . : - starting with a letter or digit`,
    });
  }
  return model;
}

function jsonBody(req: Request): unknown {
  const type = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new ModelwatchError(RequestErrors.unsupportedMediaType, { type, allowed: 'application/json' });
  const buf = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (buf.length === 0) throw new ModelwatchError(RequestErrors.emptyBody);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new ModelwatchError(RequestErrors.malformedJson, { detail: (err as Error).message });
  }
}

function timeParam(req: Request, name: string, fallback: number): number {
  const v = req.query[name];
  if (v === undefined) return fallback;
  const t = typeof v === 'string' ? (/^\d+$/.test(v) ? Number(v) : Date.parse(v)) : NaN;
  if (!Number.isFinite(t)) throw new ModelwatchError(FeedbackErrors.invalidQuery, { detail: `${name} must be an ISO 8601 time or Unix milliseconds` });
  return t;
}

/**
 * The prediction log and feedback API: records in from sidecars, labels and user signals in from
 * anyone holding a labeller token, stored payloads out to readers, erasure by subject for admins.
 */
export function predictionRouter(deps: PredictionRouteDeps): express.Router {
  const { predictions: store, metrics, auth } = deps;
  const router = express.Router();
  const body = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  router.post('/api/v1/models/:model/predictions', auth.writer, body, async (req, res) => {
    const model = modelParam(req);
    let checked;
    try {
      checked = checkPredictionBatch(jsonBody(req), model);
    } catch (err) {
      metrics.recordsIngested(model, 'rejected', 1);
      throw err;
    }
    if (!checked.ok) {
      metrics.recordsIngested(model, 'rejected', 1);
      throw new ModelwatchError(FeedbackErrors.invalidRecords, { detail: checked.error });
    }
    const nowMs = Date.now();
    const result = await store.putPredictions(model, checked.value, nowMs, nowMs - (deps.pendingLabels?.graceMs ?? 0));
    metrics.recordsIngested(model, 'accepted', result.accepted);
    metrics.recordsIngested(model, 'duplicate', result.duplicate);
    metrics.pendingLabels(model, 'joined', result.labelsJoined);
    // Held labels just joined: realized performance and detectors catch up as after feedback.
    if (result.labelsJoined > 0) deps.feedbackApplied?.(model);
    res.status(202).json({ accepted: result.accepted, duplicate: result.duplicate });
  });

  router.post('/api/v1/models/:model/feedback', auth.labeller, body, async (req, res) => {
    const model = modelParam(req);
    const checked = checkFeedbackBatch(jsonBody(req));
    if (!checked.ok) throw new ModelwatchError(FeedbackErrors.invalidFeedback, { detail: checked.error });
    const items = checked.value;
    const nowMs = Date.now();
    const maxPending = deps.pendingLabels?.max ?? 0;
    const outcomes = await store.applyFeedback(model, items, { nowMs, retainedFromMs: nowMs - deps.retentionMs, events: deps.events, maxPending });
    const byKind: Record<'label' | 'event', FeedbackOutcome[]> = { label: [], event: [] };
    items.forEach((item, i) => byKind[isEventFeedback(item) ? 'event' : 'label'].push(outcomes[i]));
    if (byKind.label.length > 0) metrics.feedbackApplied(model, 'label', byKind.label);
    if (byKind.event.length > 0) metrics.feedbackApplied(model, 'event', byKind.event);
    // With holding on, a label is unknown_id only when its model already held its maximum.
    if (maxPending > 0 && byKind.label.length > 0) {
      metrics.pendingLabelsPossible(model);
      metrics.pendingLabels(model, 'dropped', byKind.label.filter((o) => o === 'unknown_id').length);
    }
    const counts: Partial<Record<FeedbackOutcome, number>> = {};
    for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
    // Items not accepted are listed so a client can tell a retry-worthy unknown_id from a duplicate
    // (and which labels are pending: joined once their record arrives within the grace period).
    const notAccepted = items.flatMap((item, i) => (outcomes[i] === 'accepted' ? [] : [{ predictionId: item.predictionId, outcome: outcomes[i] }]));
    if ((counts.accepted ?? 0) > 0) deps.feedbackApplied?.(model);
    res.json({ model, received: items.length, outcomes: counts, notAccepted });
  });

  router.get('/api/v1/models/:model/predictions/:id', auth.payloadReader, async (req, res) => {
    const model = modelParam(req);
    const id = String(req.params.id);
    const record = isPredictionId(id) ? await store.getPrediction(model, id) : undefined;
    if (!record) throw new ModelwatchError(FeedbackErrors.unknownPrediction, { model, id: id.slice(0, 140) });
    res.json(record);
  });

  router.get('/api/v1/models/:model/predictions', auth.payloadReader, async (req, res) => {
    const model = modelParam(req);
    const toMs = timeParam(req, 'to', Date.now());
    const fromMs = timeParam(req, 'from', toMs - deps.retentionMs);
    const limitText = req.query.limit;
    const limit = limitText === undefined ? 1000 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
      throw new ModelwatchError(FeedbackErrors.invalidQuery, { detail: `limit must be an integer from 1 to ${PAGE_MAX}` });
    }
    const labelledText = req.query.labelled;
    if (labelledText !== undefined && labelledText !== 'true' && labelledText !== 'false') {
      throw new ModelwatchError(FeedbackErrors.invalidQuery, { detail: 'labelled must be "true" or "false"' });
    }
    const variant = req.query.variant;
    if (variant !== undefined && typeof variant !== 'string') throw new ModelwatchError(FeedbackErrors.invalidQuery, { detail: 'variant must be given once' });
    const afterText = req.query.after;
    let after: { timeMs: number; id: string } | undefined;
    if (afterText !== undefined) {
      const m = typeof afterText === 'string' ? /^(\d+),(.+)$/.exec(afterText) : null;
      if (!m || !isPredictionId(m[2])) throw new ModelwatchError(FeedbackErrors.invalidQuery, { detail: 'after must be the "next" cursor of a previous page' });
      after = { timeMs: Number(m[1]), id: m[2] };
    }
    const records = await store.predictions(model, {
      fromMs,
      toMs,
      limit,
      ...(labelledText !== undefined ? { labelled: labelledText === 'true' } : {}),
      ...(variant !== undefined ? { variant } : {}),
      ...(after ? { after } : {}),
    });
    const last = records.at(-1);
    const next = records.length === limit && last ? `${Date.parse(last.time)},${last.id}` : null;
    res.json({ model, records, next });
  });

  router.delete('/api/v1/models/:model/predictions', auth.admin, async (req, res) => {
    const model = modelParam(req);
    const subject = req.query.subject;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 128) {
      throw new ModelwatchError(FeedbackErrors.invalidQuery, { detail: 'subject must be given once: the subject key of the records to erase' });
    }
    const deleted = await store.deleteBySubject(model, subject);
    metrics.recordsDeleted('subject', deleted);
    res.json({ model, subject, deleted });
  });

  router.get('/api/v1/models/:model/performance', auth.reader, async (req, res) => {
    const model = modelParam(req);
    res.json({ model, reports: deps.performance?.latestReports(model) ?? [] });
  });

  router.get('/api/v1/models/:model/performance/history', auth.reader, async (req, res) => {
    const model = modelParam(req);
    const limitText = req.query.limit;
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new ModelwatchError(FeedbackErrors.invalidQuery, { detail: 'limit must be an integer from 1 to 1000' });
    }
    const window = req.query.window;
    if (window !== undefined && typeof window !== 'string') throw new ModelwatchError(FeedbackErrors.invalidQuery, { detail: 'window must be given once' });
    res.json({ model, history: await store.performanceHistory(model, limit, window) });
  });

  router.get('/api/v1/models/:model/concept-drift', auth.reader, async (req, res) => {
    const model = modelParam(req);
    const states = await store.detectorStates(model);
    res.json({
      model,
      detectors: states.map((s) => {
        const p = s.state as { detections?: number; lastDetectionMs?: number; detector?: { warning?: boolean } };
        return {
          variant: s.variant,
          detector: s.detector,
          detections: p.detections ?? 0,
          lastDetection: p.lastDetectionMs !== undefined ? new Date(p.lastDetectionMs).toISOString() : null,
          warning: p.detector?.warning === true,
          labelsConsumedUpTo: s.cursor,
        };
      }),
      recentDetections: (deps.performance?.conceptEvents(model) ?? []).map((e) => ({ ...e, at: new Date(e.atMs).toISOString() })),
    });
  });

  return router;
}

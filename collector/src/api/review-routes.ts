import express, { type Request, type RequestHandler, type Response } from 'express';
import {
  checkPredictionRecord,
  FEEDBACK_LIMITS,
  isPredictionId,
  ModelwatchError,
  RequestErrors,
  REVIEW_REASONS,
  ReviewErrors,
  type PredictionRecord,
  type ReviewReasonValue,
} from '@modelwatch/core';
import type { BaselineStore } from '../store/baseline-store.js';
import { automationReport, AUTOMATION_THRESHOLDS } from '../review/automation-report.js';
import { REVIEWER_PAGE, REVIEWER_SCRIPT } from '../review/reviewer-page.js';
import type { ReviewQueue } from '../review/review-queue.js';
import { isModelName } from './names.js';

export interface ReviewRouteDeps {
  queue: ReviewQueue;
  /** For the class buttons of the reviewer page: the categories of the active baseline's prediction output. */
  baselines: BaselineStore;
  maxBodyBytes: number;
  /**
   * Scope checks: reader reads queue sizes, classes and the automation report; payloadReader lists
   * items (they carry inputs); writer submits (sidecars); labeller claims and decides.
   */
  auth: { reader: RequestHandler; payloadReader: RequestHandler; writer: RequestHandler; labeller: RequestHandler };
  /** Default period of the automation report. */
  retentionMs: number;
}

/** Items per submit request: the same bound as a record batch. */
const SUBMIT_MAX = 10_000;
const PAGE_MAX = 500;
/** Items a reviewer may pass over in one session of the page. */
const SKIP_MAX = 100;
const REVIEWER = /^[\w.@:+-]{1,64}$/;

function query(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: `${name} must be given once` });
  return v;
}

function checkModel(model: unknown, where: string): string {
  if (typeof model !== 'string' || !isModelName(model)) {
    throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: `${where} must be a model name: 1-128 of A-Z a-z 0-9 _ . : - starting with a letter or digit` });
  }
  return model;
}

function jsonBody(req: Request): Record<string, unknown> {
  const type = (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new ModelwatchError(RequestErrors.unsupportedMediaType, { type, allowed: 'application/json' });
  const buf = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (buf.length === 0) throw new ModelwatchError(RequestErrors.emptyBody);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new ModelwatchError(RequestErrors.malformedJson, { detail: (err as Error).message });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ModelwatchError(RequestErrors.invalid, { detail: 'the body must be a JSON object' });
  }
  return parsed as Record<string, unknown>;
}

/** The reviewer named in the body, else the name of the token that authorised the request. */
function reviewerOf(body: Record<string, unknown>, res: Response): string {
  const r = body.reviewer ?? res.locals.tokenName;
  if (typeof r !== 'string' || !REVIEWER.test(r)) {
    throw new ModelwatchError(ReviewErrors.invalidDecision, { detail: 'reviewer must be 1-64 of letters, digits and _ . @ : + -' });
  }
  return r;
}

/**
 * Items as `{items: [{reason, record}]}`, or as the sidecar's store-and-forward batch
 * `{records: [...], reasons: [...]}` (parallel lists).
 */
function checkItems(body: Record<string, unknown>, model: string): { reason: ReviewReasonValue; record: PredictionRecord }[] {
  let items = body.items;
  if (items === undefined && Array.isArray(body.records)) {
    const reasons = body.reasons;
    if (!Array.isArray(reasons) || reasons.length !== body.records.length) {
      throw new ModelwatchError(ReviewErrors.invalidItems, { detail: 'reasons must list one reason per record' });
    }
    items = body.records.map((record, i) => ({ record, reason: reasons[i] }));
  }
  if (!Array.isArray(items) || items.length === 0 || items.length > SUBMIT_MAX) {
    throw new ModelwatchError(ReviewErrors.invalidItems, { detail: `items must be an array of 1 to ${SUBMIT_MAX} {reason, record}` });
  }
  return items.map((raw, i) => {
    const item = raw as { reason?: unknown; record?: unknown };
    if (typeof item !== 'object' || item === null || !REVIEW_REASONS.includes(item.reason as ReviewReasonValue)) {
      throw new ModelwatchError(ReviewErrors.invalidItems, { detail: `items[${i}].reason must be one of ${REVIEW_REASONS.join(', ')}` });
    }
    const checked = checkPredictionRecord(item.record, model, `items[${i}].record`);
    if (!checked.ok) throw new ModelwatchError(ReviewErrors.invalidItems, { detail: checked.error });
    return { reason: item.reason as ReviewReasonValue, record: checked.value };
  });
}

function timeParam(req: Request, name: string, fallback: number): number {
  const v = query(req, name);
  if (v === undefined) return fallback;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: `${name} must be an ISO 8601 time or Unix milliseconds` });
  return t;
}

function thresholdsParam(text: string | undefined): readonly number[] {
  if (text === undefined) return AUTOMATION_THRESHOLDS;
  const values = text.split(',').map(Number);
  if (values.length > 100 || values.some((v) => !Number.isFinite(v) || v < 0 || v > 1)) {
    throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: 'thresholds must be up to 100 comma-separated numbers from 0 to 1' });
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/**
 * The review queue API and the reviewer page. Sidecars submit marked answers; reviewers list,
 * claim (a lease, so two reviewers never hold one item) and decide; a decision is the label.
 */
export function reviewRouter(deps: ReviewRouteDeps): express.Router {
  const { queue, auth } = deps;
  const router = express.Router();
  const body = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  router.get('/review', (_req, res) => {
    // The page calls the API from the same origin; no inline data, so a strict CSP holds.
    res
      .set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'")
      .type('html')
      .send(REVIEWER_PAGE);
  });
  router.get('/review/app.js', (_req, res) => {
    res.type('application/javascript').send(REVIEWER_SCRIPT);
  });

  router.post('/api/v1/models/:model/review', auth.writer, body, async (req, res) => {
    const model = checkModel(String(req.params.model), 'the model in the path');
    const items = checkItems(jsonBody(req), model);
    const result = await queue.submit(model, items);
    if (result.refused === items.length) {
      throw new ModelwatchError(ReviewErrors.queueFull, { model, limit: queue.options.bound.maxPending }, { 'Retry-After': '60' });
    }
    res.status(202).json({ model, ...result });
  });

  router.get('/api/v1/review', auth.payloadReader, async (req, res) => {
    const model = checkModel(query(req, 'model'), 'model');
    const state = query(req, 'state') ?? 'pending';
    if (state !== 'pending' && state !== 'decided') throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: 'state must be pending or decided' });
    const limitText = query(req, 'limit');
    const limit = limitText === undefined ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
      throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: `limit must be an integer from 1 to ${PAGE_MAX}` });
    }
    const afterText = query(req, 'after');
    let after: { ms: number; id: string } | undefined;
    if (afterText !== undefined) {
      const m = /^(\d+),(.+)$/.exec(afterText);
      if (!m || !isPredictionId(m[2])) throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: 'after must be the "next" cursor of a previous page' });
      after = { ms: Number(m[1]), id: m[2] };
    }
    const items = await queue.store.list(model, { state, limit, ...(after ? { after } : {}) });
    const last = items.at(-1);
    const next = items.length === limit && last ? `${state === 'pending' ? last.enqueuedMs : last.decidedMs},${last.predictionId}` : null;
    res.json({ model, state, items, next });
  });

  router.get('/api/v1/review/queues', auth.reader, async (_req, res) => {
    const now = Date.now();
    const stats = await queue.store.stats();
    res.json({
      queues: stats.map((s) => ({ model: s.model, pending: s.pending, oldestAgeSeconds: s.oldestMs === undefined ? 0 : (now - s.oldestMs) / 1000 })),
    });
  });

  router.get('/api/v1/review/classes', auth.reader, async (req, res) => {
    const model = checkModel(query(req, 'model'), 'model');
    const profile = (await deps.baselines.hasModel(model)) ? await deps.baselines.getActiveBaseline(model) : undefined;
    const output = profile?.outputs.find((o) => o.role === 'prediction' && o.type === 'categorical');
    const classes = output && output.type === 'categorical' ? output.categories.map((c) => c.value).sort() : [];
    res.json({ model, classes });
  });

  // The next item for this reviewer (their own live claim first): what the page's "next" does.
  router.post('/api/v1/review/claims', auth.labeller, body, async (req, res) => {
    const b = jsonBody(req);
    const model = checkModel(b.model, 'model');
    const skip = b.skip ?? [];
    if (!Array.isArray(skip) || skip.length > SKIP_MAX || skip.some((id) => typeof id !== 'string' || !isPredictionId(id))) {
      throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: `skip must be a list of at most ${SKIP_MAX} prediction ids` });
    }
    const item = await queue.claimNext(model, reviewerOf(b, res), skip as string[]);
    if (!item) {
      res.status(204).end();
      return;
    }
    res.json({ item, claimUntil: new Date(item.claimUntilMs!).toISOString() });
  });

  router.post('/api/v1/review/:predictionId/claim', auth.labeller, body, async (req, res) => {
    const b = jsonBody(req);
    const model = checkModel(b.model, 'model');
    const id = String(req.params.predictionId);
    if (!isPredictionId(id)) throw new ModelwatchError(ReviewErrors.unknownItem, { predictionId: id.slice(0, 140) });
    const item = await queue.claim(model, id, reviewerOf(b, res));
    res.json({ item, claimUntil: new Date(item.claimUntilMs!).toISOString() });
  });

  router.post('/api/v1/review/:predictionId', auth.labeller, body, async (req, res) => {
    const b = jsonBody(req);
    const model = checkModel(b.model, 'model');
    const id = String(req.params.predictionId);
    if (!isPredictionId(id)) throw new ModelwatchError(ReviewErrors.unknownItem, { predictionId: id.slice(0, 140) });
    const reviewer = reviewerOf(b, res);
    const hasLabel = b.label !== undefined;
    const hasValue = b.value !== undefined;
    if (hasLabel === hasValue) throw new ModelwatchError(ReviewErrors.invalidDecision, { detail: 'give exactly one of label (a class) or value (a number)' });
    if (hasLabel && (typeof b.label !== 'string' || b.label.length === 0 || b.label.length > FEEDBACK_LIMITS.labelLength)) {
      throw new ModelwatchError(ReviewErrors.invalidDecision, { detail: `label must be a string of 1 to ${FEEDBACK_LIMITS.labelLength} characters` });
    }
    if (hasValue && (typeof b.value !== 'number' || !Number.isFinite(b.value))) {
      throw new ModelwatchError(ReviewErrors.invalidDecision, { detail: 'value must be a finite number' });
    }
    const decision = hasLabel ? { reviewer, label: b.label as string } : { reviewer, value: b.value as number };
    const { item, label } = await queue.decide(model, id, decision);
    res.json({ item, label });
  });

  router.get('/api/v1/models/:model/automation', auth.reader, async (req, res) => {
    const model = checkModel(String(req.params.model), 'the model in the path');
    const toMs = timeParam(req, 'to', Date.now());
    const fromMs = timeParam(req, 'from', toMs - deps.retentionMs);
    const report = await automationReport(queue.predictions, model, fromMs, toMs, thresholdsParam(query(req, 'thresholds')));
    res.json(report);
  });

  return router;
}

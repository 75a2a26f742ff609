import express, { type RequestHandler } from 'express';
import { ModelwatchError, RequestErrors, ReviewErrors } from '@modelwatch/core';
import type { RetrainingMonitor } from '../retraining/retraining-monitor.js';
import type { ReviewStore } from '../review/review-store.js';
import { isModelName } from './names.js';

export interface RetrainingRouteDeps {
  /** Absent when no webhook is configured: history stays readable, triggers are refused. */
  monitor?: RetrainingMonitor;
  history: ReviewStore;
  maxBodyBytes: number;
  auth: { reader: RequestHandler; writer: RequestHandler };
}

const HISTORY_MAX = 1000;
const NOTE_MAX = 1000;

function model(raw: unknown): string {
  const m = String(raw);
  if (!isModelName(m)) throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: 'the model in the path must be 1-128 of A-Z a-z 0-9 _ . : - starting with a letter or digit' });
  return m;
}

/** Retraining: the trigger history of a model, and a manual trigger (the CLI's `modelwatch retrain`). */
export function retrainingRouter(deps: RetrainingRouteDeps): express.Router {
  const router = express.Router();
  const body = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  router.get('/api/v1/models/:model/retraining', deps.auth.reader, async (req, res) => {
    const m = model(req.params.model);
    const limitText = req.query.limit;
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX) throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: `limit must be an integer from 1 to ${HISTORY_MAX}` });
    res.json({ model: m, configured: deps.monitor !== undefined, history: await deps.history.retrainingEvents(m, limit) });
  });

  router.post('/api/v1/models/:model/retraining', deps.auth.writer, body, async (req, res) => {
    const m = model(req.params.model);
    if (!deps.monitor) throw new ModelwatchError(ReviewErrors.retrainingOff);
    const buf = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let note: string | undefined;
    if (buf.length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8'));
      } catch (err) {
        throw new ModelwatchError(RequestErrors.malformedJson, { detail: (err as Error).message });
      }
      const n = (parsed as { note?: unknown } | null)?.note;
      if (n !== undefined && (typeof n !== 'string' || n.length > NOTE_MAX)) throw new ModelwatchError(ReviewErrors.invalidQuery, { detail: `note must be a string of at most ${NOTE_MAX} characters` });
      note = n as string | undefined;
    }
    const event = await deps.monitor.trigger(m, note);
    res.status(event.outcome === 'delivered' ? 200 : 502).json({ event });
  });

  return router;
}

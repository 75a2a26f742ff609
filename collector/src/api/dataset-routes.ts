import express, { type Request, type RequestHandler } from 'express';
import { ModelwatchError, ReviewErrors } from '@modelwatch/core';
import { DATASET_FORMATS, DATASET_MEDIA_TYPES, exportDataset, type DatasetFormat } from '../dataset/dataset-export.js';
import type { PredictionStore } from '../store/prediction-store.js';
import { isModelName } from './names.js';

export interface DatasetRouteDeps {
  predictions: PredictionStore;
  /** Default period: the prediction retention up to now. */
  retentionMs: number;
  /** Exports hold inputs: a payload reader. */
  auth: { payloadReader: RequestHandler };
  log?: (message: string) => void;
}

function one(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ModelwatchError(ReviewErrors.invalidExport, { detail: `${name} must be given once` });
  return v;
}

function time(req: Request, name: string, fallback: number): number {
  const v = one(req, name);
  if (v === undefined) return fallback;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new ModelwatchError(ReviewErrors.invalidExport, { detail: `${name} must be an ISO 8601 time or Unix milliseconds` });
  return t;
}

/** `GET /api/v1/models/{model}/dataset`: the (labelled) prediction records of a period as a training table, streamed. */
export function datasetRouter(deps: DatasetRouteDeps): express.Router {
  const router = express.Router();
  router.get('/api/v1/models/:model/dataset', deps.auth.payloadReader, async (req, res) => {
    const model = String(req.params.model);
    if (!isModelName(model)) throw new ModelwatchError(ReviewErrors.invalidExport, { detail: 'the model in the path must be 1-128 of A-Z a-z 0-9 _ . : - starting with a letter or digit' });
    const toMs = time(req, 'to', Date.now());
    const fromMs = time(req, 'from', toMs - deps.retentionMs);
    if (fromMs >= toMs) throw new ModelwatchError(ReviewErrors.invalidExport, { detail: 'from must be before to' });
    const labelledText = one(req, 'labelled') ?? 'true';
    if (labelledText !== 'true' && labelledText !== 'false') throw new ModelwatchError(ReviewErrors.invalidExport, { detail: 'labelled must be "true" or "false"' });
    const format = (one(req, 'format') ?? 'jsonl') as DatasetFormat;
    if (!DATASET_FORMATS.includes(format)) throw new ModelwatchError(ReviewErrors.invalidExport, { detail: `format must be one of ${DATASET_FORMATS.join(', ')}` });
    const variant = one(req, 'variant');
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/[:.]/g, '-');
    res.status(200).set({
      'Content-Type': DATASET_MEDIA_TYPES[format],
      'Content-Disposition': `attachment; filename="${model.replace(/[^\w.-]/g, '_')}-${stamp(fromMs)}-${stamp(toMs)}.${format}"`,
    });
    try {
      await exportDataset(deps.predictions, { model, fromMs, toMs, labelled: labelledText === 'true', ...(variant !== undefined ? { variant } : {}) }, format, res);
      res.end();
    } catch (err) {
      // Headers are gone: the only honest signal left is a truncated, aborted stream.
      deps.log?.(`dataset export of ${model} failed: ${(err as Error).message}`);
      res.destroy(err as Error);
    }
  });
  return router;
}

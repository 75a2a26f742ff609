import type { Readable } from 'node:stream';
import express, { type Request, type RequestHandler } from 'express';
import {
  ModelErrors,
  ModelwatchError,
  PushErrors,
  RequestErrors,
  rateLimitedLog,
  type BaselineProfile,
  type LogFn,
} from '@modelwatch/core';
import type { DriftMetrics } from '../drift/drift-metrics.js';
import type { BaselineStore, StoredDriftReport } from '../store/baseline-store.js';
import { PUSH_LIMITS, validatePushedWindow } from '../windows/push-validate.js';
import { installAuthFailureHook, installTokens, requireClientCertificate, requireScope, TokenTable } from './auth.js';
import { HealthMetrics } from './health-metrics.js';
import { errorHandler, notFound } from './http-error.js';
import { isModelName, isVersion } from './names.js';
import { OPENAPI } from './openapi.js';
import { predictionRouter, type PredictionRouteDeps } from './prediction-routes.js';
import { checkProfile, PROFILE_TYPE, RAW_TYPES } from './profile-input.js';
import { datasetRouter } from './dataset-routes.js';
import { retrainingRouter, type RetrainingRouteDeps } from './retraining-routes.js';
import { reviewRouter, type ReviewRouteDeps } from './review-routes.js';

export interface AppDeps {
  store: BaselineStore;
  metrics: DriftMetrics;
  /** Tokens and their scopes (see TokenTable for the policy); none = everything open. */
  tokens?: TokenTable;
  /** A single admin token (the historical `--token`); ignored when `tokens` is given. */
  token?: string;
  maxBodyBytes: number;
  /** Rate-limited operator log (default: stderr, 20 lines a minute). */
  log?: LogFn;
  /** HTTPS with a client CA: API calls must present a certificate it signed (health checks excepted). */
  requireClientCertificate?: boolean;
  /** Latest report per window of a model, from the evaluation loop. */
  /** With `variant`: that variant's own reports (kept while a model's windows hold several variants). */
  latestReports(model: string, variant?: string): StoredDriftReport[];
  /** Profiles raw training data (CSV/JSONL/Parquet) streamed from the request, at most `maxBytes`; a 400/413 ModelwatchError on bad data. */
  profileRawData(body: Readable, mediaType: (typeof RAW_TYPES)[number], model: string, maxBytes: number): Promise<BaselineProfile>;
  /** The latest drift report of a model as an HTML page (core's renderer), or undefined when none yet. */
  reportPage?(model: string, window?: string): string | undefined;
  /** Called after a write that changes which baseline is active. */
  baselinesChanged(): void;
  /** True when the store answers. */
  ready(): Promise<boolean>;
  /** The prediction log and feedback API (routes in prediction-routes.ts); absent = not served. */
  predictionLog?: Omit<PredictionRouteDeps, 'auth' | 'maxBodyBytes'>;
  /** The review queue, reviewer page and automation report (review-routes.ts); absent = not served. */
  review?: Omit<ReviewRouteDeps, 'auth' | 'maxBodyBytes' | 'baselines'>;
  /** Retraining history and manual trigger (retraining-routes.ts); absent = not served. */
  retraining?: Omit<RetrainingRouteDeps, 'auth' | 'maxBodyBytes'>;
}

const HISTORY_LIMIT_MAX = 1000;
/** Same bound as a pushed window's feature list. */
const MAX_PROFILE_COLUMNS = PUSH_LIMITS.features;

function mediaType(req: Request): string {
  return (req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

function bodyBuffer(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) throw new ModelwatchError(RequestErrors.emptyBody);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new ModelwatchError(RequestErrors.malformedJson, { detail: (err as Error).message.slice(0, 200) });
  }
}

function modelParam(req: Request): string {
  const model = String(req.params.model);
  if (!isModelName(model)) {
    throw new ModelwatchError(ModelErrors.invalidName, {
      detail: `model name "${model.slice(0, 140)}" is invalid: use 1-128 of A-Z a-z 0-9 _ . : - starting with a letter or digit`,
    });
  }
  return model;
}

function noVersion(model: string, version: string): ModelwatchError {
  return new ModelwatchError(ModelErrors.unknownBaseline, { detail: `model "${model}" has no baseline version "${version.slice(0, 40)}"` });
}

/** The collector's REST API (contract in the root brief; described in /openapi.json). */
export function buildApp(deps: AppDeps): express.Express {
  const { store } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const health = new HealthMetrics(deps.metrics.registry);
  const log = deps.log ?? rateLimitedLog((line) => process.stderr.write(`${line}\n`), { prefix: 'modelwatch collector' });
  installTokens(app, deps.tokens ?? new TokenTable(deps.token ? [{ name: 'admin', token: deps.token, scopes: ['admin'] }] : []));
  installAuthFailureHook(app, (reason) => health.authFailure(reason));
  if (deps.requireClientCertificate) app.use(requireClientCertificate(() => health.authFailure('client_certificate')));
  const reader = requireScope('reader');
  const writer = requireScope('writer');
  const body = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  async function knownModel(req: Request): Promise<string> {
    const model = modelParam(req);
    if (!(await store.hasModel(model))) throw new ModelwatchError(ModelErrors.unknownModel, { model, hint: ': upload a baseline first' });
    return model;
  }

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ok = await deps.ready().catch(() => false);
    res.status(ok ? 200 : 503).json(ok ? { status: 'ready' } : { error: 'store unavailable', code: 'MW_ERR_STORE_UNAVAILABLE' });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI);
  });

  app.get('/api/v1/models', reader, async (_req, res) => {
    res.json({ models: await store.listModels() });
  });

  // Raw training data is spooled to disk by profileRawData, never buffered whole in memory.
  const bodyUnlessRaw: RequestHandler = (req, res, next) => ((RAW_TYPES as readonly string[]).includes(mediaType(req)) ? next() : body(req, res, next));
  app.post('/api/v1/models/:model/baselines', writer, bodyUnlessRaw, async (req, res) => {
    const model = modelParam(req);
    const activateParam = req.query.activate;
    if (activateParam !== undefined && activateParam !== 'true' && activateParam !== 'false') {
      throw new ModelwatchError(RequestErrors.invalid, { detail: 'activate must be "true" or "false"' });
    }
    const type = mediaType(req);
    let profile: BaselineProfile;
    if (type === PROFILE_TYPE) {
      const checked = checkProfile(parseJson(bodyBuffer(req)), model);
      if (!checked.ok) throw new ModelwatchError(ModelErrors.invalidBaseline, { detail: checked.error });
      profile = checked.value;
    } else if ((RAW_TYPES as readonly string[]).includes(type)) {
      profile = await deps.profileRawData(req, type as (typeof RAW_TYPES)[number], model, deps.maxBodyBytes);
    } else {
      throw new ModelwatchError(RequestErrors.unsupportedMediaType, { type: type.slice(0, 100), allowed: [PROFILE_TYPE, ...RAW_TYPES].join(', ') });
    }
    // Every feature becomes drift series: the bound keeps /metrics and each round bounded.
    const columns = profile.features.length + profile.outputs.length;
    if (columns > MAX_PROFILE_COLUMNS) {
      throw new ModelwatchError(ModelErrors.tooManyColumns, {
        detail: `the profile has ${columns} features and outputs; the collector monitors at most ${MAX_PROFILE_COLUMNS} per model`,
      });
    }
    const saved = await store.putBaseline(model, profile, activateParam !== 'false');
    if (saved.active) deps.baselinesChanged();
    res.status(201).location(`/api/v1/models/${model}/baselines/${saved.version}`).json({
      model,
      version: saved.version,
      active: saved.active,
    });
  });

  app.get('/api/v1/models/:model/baselines', reader, async (req, res) => {
    const model = await knownModel(req);
    res.json({ model, versions: await store.listBaselines(model) });
  });

  app.get('/api/v1/models/:model/baselines/active', reader, async (req, res) => {
    const model = await knownModel(req);
    const profile = await store.getActiveBaseline(model);
    if (!profile) throw new ModelwatchError(ModelErrors.unknownBaseline, { detail: `model "${model}" has no active baseline` });
    res.json(profile);
  });

  app.get('/api/v1/models/:model/baselines/:version', reader, async (req, res) => {
    const model = await knownModel(req);
    const version = String(req.params.version);
    const profile = isVersion(version) ? await store.getBaseline(model, version) : undefined;
    if (!profile) throw noVersion(model, version);
    res.json(profile);
  });

  app.post('/api/v1/models/:model/baselines/:version/activate', writer, async (req, res) => {
    const model = await knownModel(req);
    const version = String(req.params.version);
    if (!isVersion(version) || !(await store.activate(model, version))) throw noVersion(model, version);
    deps.baselinesChanged();
    res.json({ model, version, active: true });
  });

  app.delete('/api/v1/models/:model/baselines/:version', writer, async (req, res) => {
    const model = await knownModel(req);
    const version = String(req.params.version);
    const outcome = isVersion(version) ? await store.deleteBaseline(model, version) : 'missing';
    if (outcome === 'missing') throw noVersion(model, version);
    if (outcome === 'active') {
      throw new ModelwatchError(ModelErrors.activeInUse, { detail: `version "${version}" is the active baseline of "${model}": activate another version first` });
    }
    res.status(204).end();
  });

  app.post('/api/v1/models/:model/windows', writer, body, async (req, res) => {
    const model = await knownModel(req);
    if (mediaType(req) !== 'application/json') {
      deps.metrics.pushed(model, 'rejected');
      throw new ModelwatchError(RequestErrors.unsupportedMediaType, { type: mediaType(req).slice(0, 100), allowed: 'application/json' });
    }
    let parsed: unknown;
    try {
      parsed = parseJson(bodyBuffer(req));
    } catch (err) {
      deps.metrics.pushed(model, 'rejected');
      throw err;
    }
    const checked = validatePushedWindow(parsed, model);
    if (!checked.ok) {
      deps.metrics.pushed(model, 'rejected');
      throw new ModelwatchError(PushErrors.invalidWindow, { detail: checked.error });
    }
    const status = await store.addPushedWindow(checked.value);
    deps.metrics.pushed(model, status);
    res.status(202).json({ status });
  });

  app.get('/api/v1/models/:model/drift', reader, async (req, res) => {
    const model = await knownModel(req);
    const variant = req.query.variant;
    if (variant !== undefined && (typeof variant !== 'string' || !/^[A-Za-z0-9_.:\-/]{1,128}$/.test(variant))) {
      throw new ModelwatchError(RequestErrors.invalid, { detail: 'variant must be given once, 1-128 characters from [A-Za-z0-9_.:-/]' });
    }
    res.json({ model, ...(variant !== undefined ? { variant } : {}), reports: deps.latestReports(model, variant) });
  });

  app.get('/report/:model', reader, async (req, res) => {
    const model = await knownModel(req);
    const window = req.query.window;
    if (window !== undefined && typeof window !== 'string') {
      throw new ModelwatchError(RequestErrors.invalid, { detail: 'window must be given once' });
    }
    const page = deps.reportPage?.(model, window);
    if (page === undefined) {
      throw new ModelwatchError(RequestErrors.notFound, {
        detail: `no drift report for "${model}"${window ? ` over ${window}` : ''} yet: the first evaluation has not run`,
      });
    }
    res.type('html').send(page);
  });

  app.get('/api/v1/models/:model/drift/history', reader, async (req, res) => {
    const model = await knownModel(req);
    const limitText = req.query.limit;
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_LIMIT_MAX) {
      throw new ModelwatchError(RequestErrors.invalid, { detail: `limit must be an integer from 1 to ${HISTORY_LIMIT_MAX}` });
    }
    const window = req.query.window;
    if (window !== undefined && typeof window !== 'string') throw new ModelwatchError(RequestErrors.invalid, { detail: 'window must be given once' });
    res.json({ model, history: await store.driftHistory(model, limit, window) });
  });

  if (deps.predictionLog) {
    app.use(predictionRouter({
      ...deps.predictionLog,
      maxBodyBytes: deps.maxBodyBytes,
      auth: {
        reader,
        payloadReader: requireScope('reader', { payloads: true }),
        writer,
        labeller: requireScope('labeller'),
        admin: requireScope('admin'),
      },
    }));
  }

  if (deps.review) {
    app.use(reviewRouter({
      ...deps.review,
      baselines: store,
      maxBodyBytes: deps.maxBodyBytes,
      auth: { reader, payloadReader: requireScope('reader', { payloads: true }), writer, labeller: requireScope('labeller') },
    }));
  }

  if (deps.predictionLog) {
    app.use(datasetRouter({ predictions: deps.predictionLog.predictions, retentionMs: deps.predictionLog.retentionMs, auth: { payloadReader: requireScope('reader', { payloads: true }) } }));
  }

  if (deps.retraining) {
    app.use(retrainingRouter({ ...deps.retraining, maxBodyBytes: deps.maxBodyBytes, auth: { reader, writer } }));
  }

  app.use(notFound);
  app.use(errorHandler({ maxBodyBytes: deps.maxBodyBytes, log, internalError: () => health.internalError() }));
  return app;
}

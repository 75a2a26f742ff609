import express, { type Request } from 'express';
import type { BaselineProfile } from '@modelwatch/core';
import type { DriftMetrics } from '../drift/drift-metrics.js';
import type { BaselineStore, StoredDriftReport } from '../store/baseline-store.js';
import { PUSH_LIMITS, validatePushedWindow } from '../windows/push-validate.js';
import { requireToken } from './auth.js';
import { errorHandler, HttpError, notFound } from './http-error.js';
import { isModelName, isVersion } from './names.js';
import { OPENAPI } from './openapi.js';
import { predictionRouter, type PredictionRouteDeps } from './prediction-routes.js';
import { checkProfile, PROFILE_TYPE, RAW_TYPES } from './profile-input.js';
import { reviewRouter, type ReviewRouteDeps } from './review-routes.js';

export interface AppDeps {
  store: BaselineStore;
  metrics: DriftMetrics;
  token?: string;
  maxBodyBytes: number;
  /** Latest report per window of a model, from the evaluation loop. */
  latestReports(model: string): StoredDriftReport[];
  /** Profiles raw training data (CSV/JSONL/Parquet); throws HttpError 400 on bad data. */
  profileRawData(body: Buffer, mediaType: (typeof RAW_TYPES)[number], model: string): Promise<BaselineProfile>;
  /** Called after a write that changes which baseline is active. */
  baselinesChanged(): void;
  /** True when the store answers. */
  ready(): Promise<boolean>;
  /** The prediction log and feedback API (routes in prediction-routes.ts); absent = not served. */
  predictionLog?: Omit<PredictionRouteDeps, 'auth' | 'maxBodyBytes'>;
  /** The review queue, reviewer page and automation report (review-routes.ts); absent = not served. */
  review?: Omit<ReviewRouteDeps, 'auth' | 'maxBodyBytes' | 'baselines'>;
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
  if (buf.length === 0) throw new HttpError(400, 'request body is empty');
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
  }
}

function modelParam(req: Request): string {
  const model = String(req.params.model);
  if (!isModelName(model)) {
    throw new HttpError(400, `model name "${model.slice(0, 140)}" is invalid: use 1-128 of A-Z a-z 0-9 _ . : - starting with a letter or digit`);
  }
  return model;
}

/** The collector's REST API (contract in the root brief; described in /openapi.json). */
export function buildApp(deps: AppDeps): express.Express {
  const { store } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const auth = requireToken(deps.token);
  const body = express.raw({ type: () => true, limit: deps.maxBodyBytes });

  async function knownModel(req: Request): Promise<string> {
    const model = modelParam(req);
    if (!(await store.hasModel(model))) throw new HttpError(404, `unknown model "${model}": upload a baseline first`);
    return model;
  }

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ok = await deps.ready().catch(() => false);
    res.status(ok ? 200 : 503).json(ok ? { status: 'ready' } : { error: 'store unavailable' });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(OPENAPI);
  });

  app.get('/api/v1/models', async (_req, res) => {
    res.json({ models: await store.listModels() });
  });

  app.post('/api/v1/models/:model/baselines', auth, body, async (req, res) => {
    const model = modelParam(req);
    const activateParam = req.query.activate;
    if (activateParam !== undefined && activateParam !== 'true' && activateParam !== 'false') {
      throw new HttpError(400, 'activate must be "true" or "false"');
    }
    const type = mediaType(req);
    let profile: BaselineProfile;
    if (type === PROFILE_TYPE) {
      const checked = checkProfile(parseJson(bodyBuffer(req)), model);
      if (!checked.ok) throw new HttpError(400, `invalid baseline profile: ${checked.error}`);
      profile = checked.value;
    } else if ((RAW_TYPES as readonly string[]).includes(type)) {
      const buf = bodyBuffer(req);
      if (buf.length === 0) throw new HttpError(400, 'request body is empty');
      profile = await deps.profileRawData(buf, type as (typeof RAW_TYPES)[number], model);
    } else {
      throw new HttpError(415, `unsupported Content-Type "${type}": use ${[PROFILE_TYPE, ...RAW_TYPES].join(', ')}`);
    }
    // Every feature becomes drift series: the bound keeps /metrics and each round bounded.
    const columns = profile.features.length + profile.outputs.length;
    if (columns > MAX_PROFILE_COLUMNS) {
      throw new HttpError(400, `the profile has ${columns} features and outputs; the collector monitors at most ${MAX_PROFILE_COLUMNS} per model`);
    }
    const saved = await store.putBaseline(model, profile, activateParam !== 'false');
    if (saved.active) deps.baselinesChanged();
    res.status(201).location(`/api/v1/models/${model}/baselines/${saved.version}`).json({
      model,
      version: saved.version,
      active: saved.active,
    });
  });

  app.get('/api/v1/models/:model/baselines', async (req, res) => {
    const model = await knownModel(req);
    res.json({ model, versions: await store.listBaselines(model) });
  });

  app.get('/api/v1/models/:model/baselines/active', async (req, res) => {
    const model = await knownModel(req);
    const profile = await store.getActiveBaseline(model);
    if (!profile) throw new HttpError(404, `model "${model}" has no active baseline`);
    res.json(profile);
  });

  app.get('/api/v1/models/:model/baselines/:version', async (req, res) => {
    const model = await knownModel(req);
    const version = String(req.params.version);
    const profile = isVersion(version) ? await store.getBaseline(model, version) : undefined;
    if (!profile) throw new HttpError(404, `model "${model}" has no baseline version "${version.slice(0, 40)}"`);
    res.json(profile);
  });

  app.post('/api/v1/models/:model/baselines/:version/activate', auth, async (req, res) => {
    const model = await knownModel(req);
    const version = String(req.params.version);
    if (!isVersion(version) || !(await store.activate(model, version))) {
      throw new HttpError(404, `model "${model}" has no baseline version "${version.slice(0, 40)}"`);
    }
    deps.baselinesChanged();
    res.json({ model, version, active: true });
  });

  app.delete('/api/v1/models/:model/baselines/:version', auth, async (req, res) => {
    const model = await knownModel(req);
    const version = String(req.params.version);
    const outcome = isVersion(version) ? await store.deleteBaseline(model, version) : 'missing';
    if (outcome === 'missing') throw new HttpError(404, `model "${model}" has no baseline version "${version.slice(0, 40)}"`);
    if (outcome === 'active') {
      throw new HttpError(409, `version "${version}" is the active baseline of "${model}": activate another version first`);
    }
    res.status(204).end();
  });

  app.post('/api/v1/models/:model/windows', auth, body, async (req, res) => {
    const model = await knownModel(req);
    if (mediaType(req) !== 'application/json') {
      deps.metrics.pushed(model, 'rejected');
      throw new HttpError(415, 'a pushed window must be sent as application/json');
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
      throw new HttpError(400, `invalid pushed window: ${checked.error}`);
    }
    const status = await store.addPushedWindow(checked.value);
    deps.metrics.pushed(model, status);
    res.status(202).json({ status });
  });

  app.get('/api/v1/models/:model/drift', async (req, res) => {
    const model = await knownModel(req);
    res.json({ model, reports: deps.latestReports(model) });
  });

  app.get('/api/v1/models/:model/drift/history', async (req, res) => {
    const model = await knownModel(req);
    const limitText = req.query.limit;
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_LIMIT_MAX) {
      throw new HttpError(400, `limit must be an integer from 1 to ${HISTORY_LIMIT_MAX}`);
    }
    const window = req.query.window;
    if (window !== undefined && typeof window !== 'string') throw new HttpError(400, 'window must be given once');
    res.json({ model, history: await store.driftHistory(model, limit, window) });
  });

  if (deps.predictionLog) {
    // Scopes until scoped tokens land: every prediction-log route needs the token (reader: read payloads,
    // writer: ship records, labeller: feedback, admin: erase by subject).
    app.use(predictionRouter({ ...deps.predictionLog, maxBodyBytes: deps.maxBodyBytes, auth: { reader: auth, writer: auth, labeller: auth, admin: auth } }));
  }

  if (deps.review) {
    // Scopes until scoped tokens land: reader lists, writer submits, labeller claims and decides.
    app.use(reviewRouter({ ...deps.review, baselines: store, maxBodyBytes: deps.maxBodyBytes, auth: { reader: auth, writer: auth, labeller: auth } }));
  }

  app.use(notFound);
  app.use(errorHandler(deps.maxBodyBytes));
  return app;
}

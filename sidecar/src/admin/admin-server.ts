import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AuthErrors, ModelwatchError, RequestErrors, RolloutTrigger, errorBody } from '@modelwatch/core';
import type { AdminConfig, ModelSource } from '../config/types.js';
import type { CanaryAnalysis } from '../routing/canary-analysis.js';
import { applyChange, parseChange, promote, rollback } from '../routing/routing-state.js';
import type { VariantRouter } from '../routing/variant-router.js';

export interface RunningAdmin {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Why a change was made: optional, bounded (it is written to the event log). */
function reasonOf(body: unknown): string {
  const r = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).reason : undefined;
  if (r === undefined) return '';
  if (typeof r !== 'string') throw new ModelwatchError(RequestErrors.invalid, { detail: 'reason: expected a string' });
  return r.slice(0, 500);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The rollout admin API (control plane, express, its own port): read the routing and its events,
 * set weights and shadows, switch blue-green, promote, roll back. Every call needs a bearer token;
 * the token's name is who the event records.
 */
export async function startAdminServer(cfg: AdminConfig, router: VariantRouter, analysis: CanaryAnalysis | undefined, log: (message: string) => void): Promise<RunningAdmin> {
  const app = express();
  app.disable('x-powered-by');
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const h = req.headers.authorization;
    if (!h || !h.startsWith('Bearer ')) return next(new ModelwatchError(AuthErrors.missingToken));
    const secret = h.slice(7).trim();
    const token = cfg.tokens.find((t) => sameSecret(t.token, secret));
    if (!token) return next(new ModelwatchError(AuthErrors.invalidToken));
    (req as Request & { actor: string }).actor = token.name;
    next();
  });
  app.use(express.json({ limit: '64kb' }));
  const actor = (req: Request) => (req as Request & { actor: string }).actor;
  const names = () => router.variants.map((v) => v.name);
  const view = () => ({
    routing: router.current,
    variants: router.variants.map((v) => ({
      name: v.name,
      modelVersion: v.modelVersion,
      source: sourceView(v.rt.config.source),
      ready: v.ready(),
    })),
    analysis: analysis?.last ?? null,
  });

  app.get('/admin/routing', (_req, res) => {
    res.json(view());
  });
  app.get('/admin/events', (req, res) => {
    const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 100) || 100));
    res.json({ events: router.store.events(limit) });
  });
  app.put('/admin/routing', async (req, res) => {
    const change = parseChange(req.body, names());
    const reason = reasonOf(req.body);
    const event = await router.apply(applyChange(router.current, change), actor(req), RolloutTrigger.manual, reason);
    res.json({ event, ...view() });
  });
  app.post('/admin/promote', async (req, res) => {
    const event = await router.apply(promote(router.current), actor(req), RolloutTrigger.manual, reasonOf(req.body));
    res.json({ event, ...view() });
  });
  app.post('/admin/rollback', async (req, res) => {
    const event = await router.apply(rollback(router.current), actor(req), RolloutTrigger.manual, reasonOf(req.body));
    res.json({ event, ...view() });
  });
  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new ModelwatchError(RequestErrors.notFound, { detail: `no admin route ${req.method} ${req.path.slice(0, 100)}; see /admin/routing, /admin/events, /admin/promote, /admin/rollback` }));
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    let e = err;
    const status = (err as { status?: number; type?: string }).status;
    if (!(err instanceof ModelwatchError) && (err as { type?: string }).type === 'entity.parse.failed') {
      e = new ModelwatchError(RequestErrors.malformedJson, { detail: 'the body is not valid JSON' });
    } else if (!(err instanceof ModelwatchError) && status === 413) {
      e = new ModelwatchError(RequestErrors.bodyTooLarge, { limit: 65536 });
    }
    const { status: code, body } = errorBody(e);
    // Internal failures (e.g. the rollout state could not be written) are logged with their correlation id.
    if (code >= 500) log(`admin API: ${body.correlationId ?? ''} ${(err as Error).stack ?? String(err)}`);
    res.status(code).json(body);
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(cfg.port, cfg.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const port = (server.address() as AddressInfo).port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function sourceView(source: ModelSource): Record<string, string> {
  switch (source.kind) {
    case 'embedded': return { model: source.modelPath };
    case 'proxy': return { upstream: source.upstream, protocol: source.protocol };
    case 'tap': return { tap: source.format };
  }
}

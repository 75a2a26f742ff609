import http from 'node:http';
import { join } from 'node:path';
import https from 'node:https';
import { Agent as UndiciAgent } from 'undici';
import type { AddressInfo } from 'node:net';
import type { TracerProvider } from '@opentelemetry/api';
import { ErrorReason, ModelwatchError, Outcome, SidecarTap, TraceDropReason, readCaFile, readTlsFiles, type BaselineProfile } from '@modelwatch/core';
import { header } from '../metrics/exposition.js';
import { pollCollectorBaseline, readBaselineFile } from '../baseline/baseline-loader.js';
import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import { resolveConfig } from '../config/resolve.js';
import type { SidecarConfig, SidecarConfigInput } from '../config/types.js';
import { createExtractorSet } from '../extractors/extractor-set.js';
import { startEdgePusher, type EdgePusher } from '../push/edge-pusher.js';
import { snapshotFromExposition } from '../push/exposition-snapshot.js';
import { renderPushMetrics } from '../push/push-metrics.js';
import type { SidecarTelemetry } from '../metrics/telemetry.js';
import { startRollouts, type Rollouts } from '../routing/rollout-runtime.js';
import { tracerProviderFromEnv } from '../tracing/tracing.js';
import { openReview } from '../review/open-review.js';
import { classLabelsOf, openPredictionLog } from '../predictions/open-prediction-log.js';
import { internalFailure, sendError, sendJson } from './respond.js';
import { rateLimitedLog } from './runtime.js';
import { markTimedOut, overloadAnswer, protect, rawRefusals, serverTimeouts } from './overload.js';
import type { ServerReply, ServerRequest } from './http-types.js';
import { FastHttpServer } from './http1/fast-server.js';

export interface SidecarDeps {
  /** Tracer provider to use instead of the OTEL_* environment (tests pass an in-memory one). */
  tracerProvider?: TracerProvider;
  /** Operator log sink (default: stderr). */
  log?: (line: string) => void;
  /** Process/event-loop metrics (default on). */
  defaultMetrics?: boolean;
  /** Environment read for OTEL_* settings (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** --workers: /metrics serves what this returns (every worker's metrics, merged by the primary). */
  aggregateMetrics?: () => Promise<string>;
}

/**
 * Which HTTP server carries the proxy's and the embedded model's inference calls: the sidecar's own
 * HTTP/1.1 server (the default for plain HTTP), or node:http for everything with
 * `MODELWATCH_HTTP_SERVER=node` (the fallback, and the comparison side of bench/sidecar/run.ts and
 * bench/sidecar/embedded.ts). TLS and tap sidecars always use node:http(s).
 */
export const HTTP_SERVER_ENV = 'MODELWATCH_HTTP_SERVER';

export interface RunningSidecar {
  url: string;
  port: number;
  config: SidecarConfig;
  /** The primary variant's telemetry (the one at startup). */
  telemetry: SidecarTelemetry;
  /** Variants, routing, analysis and admin API. */
  rollouts: Rollouts;
  /** Base URL of the rollout admin API, when configured. */
  adminUrl?: string;
  /** Tap nginx: the UDP port nginx sends its syslog records to. */
  tapPort?: number;
  /**
   * Re-reads the TLS certificate and key (what the CLI does on SIGHUP). On a problem the
   * certificate in use stays, the reason is logged and false is returned.
   */
  reloadTls(): boolean;
  close(): Promise<void>;
}

/**
 * Starts a sidecar: validates the configuration (ConfigError on the first problem), loads the
 * model or prepares the proxy, installs the baseline (file now, collector in the background),
 * and listens. Resolves once the port is bound.
 */
export async function startSidecar(input: SidecarConfigInput, deps: SidecarDeps = {}): Promise<RunningSidecar> {
  const config = resolveConfig(input);
  const serverTls = config.tls.cert !== undefined && config.tls.key !== undefined ? { cert: config.tls.cert, key: config.tls.key } : undefined;
  // Read once at startup: a wrong file fails here with a coded message, not at the first call.
  const serverMaterial = serverTls ? readTlsFiles(serverTls, 'tls') : undefined;
  const upstreamCa = config.tls.upstreamCa !== undefined ? readCaFile(config.tls.upstreamCa, 'tls.upstreamCa') : undefined;
  const collectorCa = config.tls.collectorCa !== undefined ? readCaFile(config.tls.collectorCa, 'tls.collectorCa') : undefined;
  const collectorDispatcher = collectorCa ? new UndiciAgent({ connect: { ca: collectorCa } }) : undefined;
  const collectorFetch = collectorDispatcher ? { dispatcher: collectorDispatcher } : undefined;
  const write = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = rateLimitedLog(write);
  const fileBaseline = config.baseline.kind === 'file' ? readBaselineFile(config.baseline.path) : undefined;

  // Failed exports are counted on the primary's telemetry, which exists once the variants have started.
  let primaryTelemetry: SidecarTelemetry | undefined;
  const ownedProvider = deps.tracerProvider ? undefined : tracerProviderFromEnv(deps.env ?? process.env, (spans, error) => {
    primaryTelemetry?.traceExportFailed();
    primaryTelemetry?.traceSpansDropped(TraceDropReason.exportFailed, spans);
    log(`OTLP trace export failed (${spans} spans dropped): ${(error?.message ?? 'unknown error').slice(0, 200)}`);
  }, (spans) => primaryTelemetry?.traceSpansDropped(TraceDropReason.queueFull, spans));
  // Variants (primary, canary, shadow, blue/green) each own a handler and telemetry; the router picks.
  // Prediction ids and the sampled prediction log: one queue and shipper, each variant's answers under its own name.
  const predictions = await openPredictionLog(config, log, classLabelsOf(fileBaseline), collectorFetch).catch(async (err: unknown) => {
    await ownedProvider?.shutdown();
    throw err;
  });
  // Partial automation: set on the log before the variants take their recorders from it.
  const review = await openReview(config, log, classLabelsOf(fileBaseline), collectorFetch).catch(async (err: unknown) => {
    await predictions.close();
    await ownedProvider?.shutdown();
    throw err;
  });
  // Only rules mark answers on the path (a proxy then holds each answer until it is checked).
  predictions.review = config.review ? review : undefined;
  predictions.shadowReview = review;
  const rollouts = await startRollouts(config, {
    tracerProvider: deps.tracerProvider ?? ownedProvider,
    log,
    defaultMetrics: deps.defaultMetrics,
    baselineFeatureNames: fileBaseline?.features.map((f) => f.name),
    predictions,
    upstreamCa,
  }).catch(async (err: unknown) => {
    await predictions.close();
    await review?.close();
    await ownedProvider?.shutdown();
    throw err;
  });
  const { router, first } = rollouts;
  const telemetry = first.telemetry;
  primaryTelemetry = telemetry;
  if (predictions.shipping) telemetry.addRenderer((out) => predictions.render(telemetry.identityLabels, out));
  if (review) telemetry.addRenderer((out) => review.render(telemetry.identityLabels, out));
  const mode = config.source.kind === 'embedded' ? 'embedded' : config.source.kind === 'tap' ? `tap-${config.source.format}` : config.source.protocol;
  const extractorFeatures = config.extractors.length > 0 ? createExtractorSet(config.extractors).featureNames.map((name) => ({ name, type: 'numeric' as const })) : [];
  let activeBaseline: BaselineProfile | undefined;
  const applyBaseline = (profile: BaselineProfile | undefined) => {
    activeBaseline = profile;
    review?.setBaseline(profile);
    for (const v of rollouts.variants) {
      const declared = [
        ...(config.features.length > 0 ? config.features : (v.featureNames ?? []).map((name) => ({ name, type: 'numeric' as const }))),
        ...extractorFeatures,
      ];
      v.telemetry.setBaseline(profile, declared, { classLabels: v.classLabels });
    }
  };
  applyBaseline(fileBaseline);

  const stopBaseline = config.baseline.kind === 'collector'
    ? pollCollectorBaseline({
        source: config.baseline,
        model: config.name,
        ...(collectorFetch ? { fetchOptions: collectorFetch } : {}),
        onProfile: (p) => {
          applyBaseline(p);
          log(`baseline ${p.version ?? ''} of "${config.name}" loaded from the collector`);
        },
        onError: log,
      })
    : undefined;

  // Edge push: one pusher per variant, so the collector keeps a canary's or a shadow's windows (and
  // drift) apart from the primary's, as it does from Prometheus. The startup primary keeps the
  // configured buffer dir; the others have their own under it (`variants/<name>`), each with its
  // own source id, bounds and disk buffer.
  const pushers: EdgePusher[] = [];
  if (config.push && config.baseline.kind === 'collector') {
    const push = config.push;
    const collectorUrl = config.baseline.url;
    const token = config.baseline.token;
    const processEpoch = new Date().toISOString();
    try {
      for (const v of rollouts.variants) {
        const pusher = await startEdgePusher({
          collectorUrl,
          model: config.name,
          ...(collectorFetch ? { fetchOptions: collectorFetch } : {}),
          ...(token ? { token } : {}),
          bufferDir: v === first ? push.bufferDir : join(push.bufferDir, 'variants', v.name),
          intervalMs: push.intervalMs,
          ...(push.maxWindows ? { maxWindows: push.maxWindows } : {}),
          ...(push.maxBytes ? { maxBytes: push.maxBytes } : {}),
          snapshot: async () => ({ ...snapshotFromExposition(await v.telemetry.metrics(), activeBaseline, processEpoch), variant: v.name }),
          onError: log,
        });
        pushers.push(pusher);
        v.telemetry.addRenderer((out) => renderPushMetrics(pusher.stats(), v.telemetry.identityLabels, out));
      }
    } catch (err) {
      stopBaseline?.();
      for (const p of pushers) await p.close();
      await rollouts.close();
      throw new ConfigError(ConfigErrorCode.file, 'push.bufferDir', err instanceof ModelwatchError ? err.detail : (err as Error).message);
    }
  }

  if (!deps.aggregateMetrics) {
    // With --workers the primary adds the worker count to the merged metrics instead.
    const w = SidecarTap.workers;
    const line = `${header(w.name, 'gauge', w.help)}${w.name}{${telemetry.identityLabels}} 1\n`;
    telemetry.addRenderer((out) => out.push(line));
  }

  const overload = overloadAnswer(config.limits);
  const maxInFlight = config.limits.maxInFlight;
  // The cap counts the calls of the variants answering clients (primary and canary): a canary's
  // calls in flight take the sidecar's capacity too, shadow copies never refuse a client.
  const telemetryOf = new Map(rollouts.variants.map((v) => [v.name, v.telemetry]));
  const inFlight = (): number => {
    const r = router.current;
    return (telemetryOf.get(r.primary)?.inFlight ?? 0) + (r.canary ? telemetryOf.get(r.canary.variant)?.inFlight ?? 0 : 0);
  };
  const handle = (req: ServerRequest, res: ServerReply) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/metrics' && req.method === 'GET') {
      (deps.aggregateMetrics ?? (() => router.exposition()))().then(
        (text) => {
          res.writeHead(200, { 'content-type': telemetry.contentType });
          res.end(text);
        },
        () => sendError(res, 500, 'metrics unavailable'),
      );
      return;
    }
    if (path === '/healthz') {
      sendJson(res, 200, '{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const ready = router.primaryVariant.ready();
      sendJson(res, ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not_ready', mode }));
      return;
    }
    if (inFlight() >= maxInFlight) {
      // Saturated: answer at once, without reading the body (the connection closes after).
      telemetry.error(ErrorReason.overloaded);
      telemetry.requestFinished(Outcome.internalError, 503, 0, 0, 0);
      sendJson(res, 503, overload.body, overload.headers);
      res.once('finish', () => req.socket.destroySoon());
      return;
    }
    if (router.handle(req, res, path)) return;
    telemetry.error(ErrorReason.unknownRoute);
    req.resume();
    sendError(res, 404, `no route for ${req.method} ${path}; this sidecar serves the Open Inference Protocol v2 under /v2`);
  };

  const listener = (req: ServerRequest, res: ServerReply) => {
    try {
      handle(req, res);
    } catch (err) {
      internalFailure({ log, telemetry }, res, err);
    }
  };
  const serverOptions = { keepAliveTimeout: 65_000, ...serverTimeouts(config.limits) };
  const server: http.Server = serverMaterial
    ? https.createServer({ ...serverOptions, ...serverMaterial }, listener)
    : http.createServer(serverOptions, listener);
  // The proxy's and the embedded model's hot path off node:http (docs/performance.md, "Data path"): decided once, here.
  const fast = !serverMaterial && (config.source.kind === 'proxy' || config.source.kind === 'embedded') && (deps.env ?? process.env)[HTTP_SERVER_ENV] !== 'node'
    ? new FastHttpServer({
        limits: config.limits,
        keepAliveTimeoutMs: serverOptions.keepAliveTimeout,
        checkIntervalMs: serverOptions.connectionsCheckingInterval,
        refusals: rawRefusals(config.limits),
        serves: (method, path) => path === '/healthz' || path === '/readyz' || (path === '/metrics' && method === 'GET') || router.servesInline(method, path),
        onRequest: listener,
        onHeadersTimeout: () => telemetry.error(ErrorReason.requestTimeout),
        onBodyTimeout: markTimedOut,
      })
    : undefined;
  fast?.attach(server);
  protect(server, { limits: config.limits, telemetry, ...(fast ? { closeIdle: () => fast.closeIdle() } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      fast?.close();
      void rollouts.close().then(() => reject(err));
    });
    server.listen(config.port, config.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `${serverMaterial ? 'https' : 'http'}://${host}:${port}`,
    port,
    config,
    telemetry,
    rollouts,
    ...(rollouts.admin ? { adminUrl: rollouts.admin.url } : {}),
    ...(first.tapPort !== undefined ? { tapPort: first.tapPort } : {}),
    reloadTls() {
      if (!serverTls) return false;
      try {
        (server as https.Server).setSecureContext(readTlsFiles(serverTls, 'tls'));
        log('TLS certificate reloaded');
        return true;
      } catch (err) {
        log(`TLS reload failed, the previous certificate stays in use: ${(err as Error).message}`);
        return false;
      }
    },
    /**
     * Stops in this order so nothing counted is lost (issue 12, item 6): stop accepting, let
     * in-flight calls finish (up to a grace period), then close the last window and push it,
     * then release the model and flush traces.
     */
    async close() {
      stopBaseline?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        fast?.drain();
        const grace = setTimeout(() => {
          server.closeAllConnections();
          fast?.destroyAll();
        }, Math.min(config.limits.upstreamTimeoutMs, 10_000));
        grace.unref();
        server.once('close', () => {
          clearTimeout(grace);
          fast?.close();
        });
      });
      await rollouts.close();
      await predictions.close();
      await review?.close();
      for (const p of pushers) await p.close();
      await collectorDispatcher?.close().catch(() => undefined);
      // The last flush fails when the OTLP endpoint is down: counted, logged, never a failed shutdown.
      await ownedProvider?.shutdown().catch((err: Error) => log(`flushing traces at shutdown failed: ${err.message.slice(0, 200)}`));
    },
  };
}

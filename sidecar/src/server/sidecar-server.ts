import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TracerProvider } from '@opentelemetry/api';
import { ErrorReason, ModelwatchError, type BaselineProfile } from '@modelwatch/core';
import { pollCollectorBaseline, readBaselineFile } from '../baseline/baseline-loader.js';
import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import { resolveConfig } from '../config/resolve.js';
import type { SidecarConfig, SidecarConfigInput } from '../config/types.js';
import { createExtractorSet } from '../extractors/extractor-set.js';
import { startEdgePusher, type EdgePusher } from '../push/edge-pusher.js';
import { snapshotFromExposition } from '../push/exposition-snapshot.js';
import { renderPushMetrics } from '../push/push-metrics.js';
import { EmbeddedHandler } from '../embedded/embedded-handler.js';
import { classLabelsOf, openPredictionLog } from '../predictions/open-prediction-log.js';
import { openReview } from '../review/open-review.js';
import type { ReviewMarker } from '../review/review-marker.js';
import type { PredictionLog } from '../predictions/prediction-log.js';
import { OnnxModel } from '../embedded/onnx-model.js';
import { SidecarTelemetry } from '../metrics/telemetry.js';
import { createCodec, readinessPath } from '../proxy/codecs.js';
import { ProxyHandler } from '../proxy/proxy-handler.js';
import { RequestTracer, tracerProviderFromEnv } from '../tracing/tracing.js';
import { internalFailure, sendError, sendJson } from './respond.js';
import { rateLimitedLog, type Runtime } from './runtime.js';
import { probeUntilReady } from './readiness.js';

export interface SidecarDeps {
  /** Tracer provider to use instead of the OTEL_* environment (tests pass an in-memory one). */
  tracerProvider?: TracerProvider;
  /** Operator log sink (default: stderr). */
  log?: (line: string) => void;
  /** Process/event-loop metrics (default on). */
  defaultMetrics?: boolean;
  /** Environment read for OTEL_* settings (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningSidecar {
  url: string;
  port: number;
  config: SidecarConfig;
  telemetry: SidecarTelemetry;
  close(): Promise<void>;
}

/**
 * Starts a sidecar: validates the configuration (ConfigError on the first problem), loads the
 * model or prepares the proxy, installs the baseline (file now, collector in the background),
 * and listens. Resolves once the port is bound.
 */
export async function startSidecar(input: SidecarConfigInput, deps: SidecarDeps = {}): Promise<RunningSidecar> {
  const config = resolveConfig(input);
  const write = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = rateLimitedLog(write);
  const fileBaseline = config.baseline.kind === 'file' ? readBaselineFile(config.baseline.path) : undefined;

  let model: OnnxModel | undefined;
  if (config.source.kind === 'embedded') {
    try {
      model = await OnnxModel.load(config.source.modelPath);
    } catch (err) {
      throw new ConfigError(ConfigErrorCode.modelSource, 'model', `cannot load ${JSON.stringify(config.source.modelPath)} as an ONNX model: ${(err as Error).message}`);
    }
  }
  const mode = config.source.kind === 'embedded' ? 'embedded' : config.source.protocol;
  const telemetry = new SidecarTelemetry({
    identity: { model: config.name, modelVersion: config.modelVersion, pipeline: config.pipeline, stage: config.stage, variant: config.variant },
    mode,
    upstreamStages: config.upstreamStages,
    maxMonitoredFeatures: config.limits.maxMonitoredFeatures,
    lowConfidenceThreshold: config.limits.lowConfidenceThreshold,
    defaultMetrics: deps.defaultMetrics,
    extractors: config.extractors.length > 0 ? createExtractorSet(config.extractors) : undefined,
  });
  const declared = [
    ...(config.features.length > 0
      ? config.features
      : (model?.featureNames ?? []).map((name) => ({ name, type: 'numeric' as const }))),
    ...config.extractors.length > 0 ? createExtractorSet(config.extractors).featureNames.map((name) => ({ name, type: 'numeric' as const })) : [],
  ];
  let activeBaseline: BaselineProfile | undefined;
  let review: ReviewMarker | undefined;
  const applyBaseline = (profile: BaselineProfile | undefined) => {
    activeBaseline = profile;
    review?.setBaseline(profile);
    telemetry.setBaseline(profile, declared, { classLabels: model?.classLabels });
  };
  applyBaseline(fileBaseline);

  const ownedProvider = deps.tracerProvider ? undefined : tracerProviderFromEnv(deps.env ?? process.env, (spans, error) => {
    telemetry.traceExportFailed();
    log(`OTLP trace export failed (${spans} spans dropped): ${(error?.message ?? 'unknown error').slice(0, 200)}`);
  });
  const tracer = new RequestTracer(deps.tracerProvider ?? ownedProvider, {
    'modelwatch.model': config.name,
    'modelwatch.model_version': config.modelVersion,
    'modelwatch.pipeline': config.pipeline,
    'modelwatch.stage': config.stage,
  }, ownedProvider);
  let predictions: PredictionLog;
  try {
    predictions = await openPredictionLog(config, telemetry, log, model?.classLabels ?? classLabelsOf(fileBaseline));
  } catch (err) {
    await tracer.shutdown();
    throw err;
  }
  try {
    review = await openReview(config, telemetry, log, model?.classLabels ?? classLabelsOf(fileBaseline));
  } catch (err) {
    await predictions.close();
    await tracer.shutdown();
    throw err;
  }
  review?.setBaseline(activeBaseline);
  predictions.review = review;
  const rt: Runtime = { config, telemetry, tracer, log, predictions };

  let embedded: EmbeddedHandler | undefined;
  let proxy: ProxyHandler | undefined;
  let ready = false;
  let stopProbe: (() => void) | undefined;
  if (model) {
    embedded = new EmbeddedHandler(rt, model);
    ready = true;
  } else if (config.source.kind === 'proxy') {
    // Positional inputs (2-D tensors, row arrays) are named from config, else from a baseline file.
    const featureNames = config.features.length > 0
      ? config.features.map((f) => f.name)
      : fileBaseline?.features.map((f) => f.name);
    let codec;
    try {
      codec = createCodec(config.source, featureNames);
    } catch (err) {
      throw new ConfigError(ConfigErrorCode.notAllowed, 'json', (err as Error).message);
    }
    proxy = new ProxyHandler(rt, codec, config.source.upstream);
    stopProbe = probeUntilReady(config.source.upstream + readinessPath(config.source.protocol, config.name), (up) => {
      ready = up;
    });
  }

  const stopBaseline = config.baseline.kind === 'collector'
    ? pollCollectorBaseline({
        source: config.baseline,
        model: config.name,
        onProfile: (p) => {
          applyBaseline(p);
          log(`baseline ${p.version ?? ''} of "${config.name}" loaded from the collector`);
        },
        onError: log,
      })
    : undefined;

  let pusher: EdgePusher | undefined;
  if (config.push && config.baseline.kind === 'collector') {
    const processEpoch = new Date().toISOString();
    try {
      pusher = await startEdgePusher({
        collectorUrl: config.baseline.url,
        model: config.name,
        ...(config.baseline.token ? { token: config.baseline.token } : {}),
        bufferDir: config.push.bufferDir,
        intervalMs: config.push.intervalMs,
        ...(config.push.maxWindows ? { maxWindows: config.push.maxWindows } : {}),
        ...(config.push.maxBytes ? { maxBytes: config.push.maxBytes } : {}),
        snapshot: async () => snapshotFromExposition(await telemetry.metrics(), activeBaseline, processEpoch),
        onError: log,
      });
    } catch (err) {
      stopBaseline?.();
      throw new ConfigError(ConfigErrorCode.file, 'push.bufferDir', err instanceof ModelwatchError ? err.detail : (err as Error).message);
    }
    const p = pusher;
    telemetry.addRenderer((out) => renderPushMetrics(p.stats(), telemetry.identityLabels, out));
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/metrics' && req.method === 'GET') {
      telemetry.metrics().then(
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
      sendJson(res, ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not_ready', mode }));
      return;
    }
    if (proxy) {
      proxy.handle(req, res, path);
      return;
    }
    if (embedded && embedded.handle(req, res, path)) return;
    telemetry.error(ErrorReason.unknownRoute);
    req.resume();
    sendError(res, 404, `no route for ${req.method} ${path}; this sidecar serves the Open Inference Protocol v2 under /v2`);
  };

  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      internalFailure(rt, res, err);
    }
  });
  server.on('clientError', (_err, socket) => {
    // Malformed HTTP (bad request line, oversized headers): answer 400 without involving handlers.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":"malformed HTTP request"}');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    config,
    telemetry,
    async close() {
      stopBaseline?.();
      stopProbe?.();
      await pusher?.close();
      await predictions.close();
      await review?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      proxy?.close();
      await model?.close();
      await tracer.shutdown();
    },
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TracerProvider } from '@opentelemetry/api';
import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import type { ModelSource, SidecarConfig } from '../config/types.js';
import { EmbeddedHandler } from '../embedded/embedded-handler.js';
import { OnnxModel } from '../embedded/onnx-model.js';
import { createExtractorSet } from '../extractors/extractor-set.js';
import { SidecarTelemetry } from '../metrics/telemetry.js';
import { createCodec, readinessPath } from '../proxy/codecs.js';
import { ProxyHandler } from '../proxy/proxy-handler.js';
import type { ProtocolCodec } from '../protocols/codec.js';
import type { ServerReply, ServerRequest } from '../server/http-types.js';
import { FastRequest } from '../server/http1/fast-request.js';
import { probeUntilReady } from '../server/readiness.js';
import type { Runtime } from '../server/runtime.js';
import type { PredictionLog } from '../predictions/prediction-log.js';
import { startTap } from '../tap/start-tap.js';
import { RequestTracer, sampleRatioFromEnv } from '../tracing/tracing.js';
import type { ExchangeObserver } from './answered.js';
import { EmbeddedShadowTarget, NO_SHADOW_TARGET, ProxyShadowTarget, type ShadowTarget } from './shadow-target.js';

/**
 * One variant of the model with everything of its own: the handler that answers clients, the
 * shadow target that replays copies, and its telemetry (series labelled with its `variant` and
 * `model_version`). The variant layer picks one per request.
 */
export interface Variant {
  readonly name: string;
  readonly modelVersion: string;
  readonly rt: Runtime;
  readonly telemetry: SidecarTelemetry;
  readonly target: ShadowTarget;
  /** Class labels from the ONNX metadata (embedded variants). */
  readonly classLabels: readonly string[] | undefined;
  readonly featureNames: readonly string[] | undefined;
  /** True for the calls the handler monitors as inference (the ones routing splits). */
  isInference(method: string, path: string): boolean;
  /** False when the path is no route of this variant (the server answers 404). */
  handle(req: ServerRequest, res: ServerReply, path: string): boolean;
  /** Proxy and embedded variants: true for the calls monitored inline (the ones the sidecar's own HTTP server may carry). */
  monitorsInline?(method: string, path: string): boolean;
  setObserver(observer: ExchangeObserver | undefined): void;
  /** Tap nginx: the UDP port of the syslog listener. */
  readonly tapPort?: number;
  /** Embedded: loaded. Proxy: the upstream answered its readiness probe. */
  ready(): boolean;
  close(): Promise<void>;
}

export interface VariantContext {
  config: SidecarConfig;
  tracerProvider: TracerProvider | undefined;
  log: (message: string) => void;
  defaultMetrics: boolean | undefined;
  /** Feature names of positional inputs when the configuration has none (baseline file). */
  baselineFeatureNames: string[] | undefined;
  shadowMaxSockets: number;
  /** The sidecar's prediction log; each variant records its answers under its own name. */
  predictions: PredictionLog;
  /** CA bundle an https upstream must chain to (default: the system CAs). */
  upstreamCa: Buffer | undefined;
}

/** Builds a variant from its source; ConfigError when the model cannot be loaded or the codec built. */
export async function buildVariant(ctx: VariantContext, name: string, modelVersion: string, source: ModelSource, primary: boolean): Promise<Variant> {
  const config: SidecarConfig = { ...ctx.config, variant: name, modelVersion, source };
  const key = primary ? 'model' : `variants.${name}`;
  let model: OnnxModel | undefined;
  if (source.kind === 'embedded') {
    try {
      model = await OnnxModel.load(source.modelPath);
    } catch (err) {
      throw new ConfigError(ConfigErrorCode.modelSource, key, `cannot load ${JSON.stringify(source.modelPath)} as an ONNX model: ${(err as Error).message}`);
    }
  }
  const telemetry = new SidecarTelemetry({
    identity: { model: config.name, modelVersion, pipeline: config.pipeline, stage: config.stage, variant: name },
    mode: source.kind === 'embedded' ? 'embedded' : source.kind === 'tap' ? `tap-${source.format}` : source.protocol,
    upstreamStages: config.upstreamStages,
    maxMonitoredFeatures: config.limits.maxMonitoredFeatures,
    featureCounters: config.limits.featureCounters,
    lowConfidenceThreshold: config.limits.lowConfidenceThreshold,
    // Process metrics are the process's, not a variant's: exported once, with the primary.
    defaultMetrics: primary ? ctx.defaultMetrics : false,
    extractors: config.extractors.length > 0 ? createExtractorSet(config.extractors) : undefined,
  });
  const tracer = new RequestTracer(ctx.tracerProvider, {
    'modelwatch.model': config.name,
    'modelwatch.model_version': modelVersion,
    'modelwatch.pipeline': config.pipeline,
    'modelwatch.stage': config.stage,
    'modelwatch.variant': name,
  }, undefined, { sampleRatio: sampleRatioFromEnv(config.traceSampleRatio) });
  const predictions = ctx.predictions.forVariant({ variant: name, version: modelVersion, ...(model?.classLabels ? { classLabels: model.classLabels } : {}) });
  // Log lines name the variant, as its series and spans do.
  const rt: Runtime = { config, telemetry, tracer, log: (m: string) => ctx.log(`variant ${name}: ${m}`), predictions };

  if (model) {
    const m = model;
    const handler = new EmbeddedHandler(rt, m);
    return {
      name, modelVersion, rt, telemetry,
      target: new EmbeddedShadowTarget(rt, m),
      classLabels: m.classLabels,
      featureNames: config.features.length > 0 ? config.features.map((f) => f.name) : m.featureNames,
      isInference: (method, path) => handler.servesInference(method, path),
      // Inference calls ride the sidecar's own HTTP/1.1 server, as a proxy's monitored calls do.
      monitorsInline: (method, path) => handler.servesInference(method, path),
      handle: (req, res, path) => handler.handle(req, res, path),
      setObserver: (o) => {
        handler.observer = o;
      },
      ready: () => true,
      close: () => m.close(),
    };
  }
  const featureNames = config.features.length > 0 ? config.features.map((f) => f.name) : ctx.baselineFeatureNames;
  if (source.kind === 'tap') {
    // Tap mode: copies of calls that another proxy already answered; nothing to route or shadow.
    const tap = await startTap(rt, source, featureNames);
    return {
      name, modelVersion, rt, telemetry,
      target: NO_SHADOW_TARGET,
      classLabels: undefined,
      featureNames,
      isInference: () => false,
      handle: (req, res) => {
        if (!tap.handle) return false;
        tap.handle(...nodeMessages(req, res));
        return true;
      },
      setObserver: () => {},
      ...(tap.port !== undefined ? { tapPort: tap.port } : {}),
      ready: () => true,
      close: () => tap.close(),
    };
  }
  const proxySource = source as Extract<ModelSource, { kind: 'proxy' }>;
  let codec: ProtocolCodec;
  try {
    codec = createCodec(proxySource, featureNames);
  } catch (err) {
    throw new ConfigError(ConfigErrorCode.notAllowed, primary ? 'json' : `${key}.json`, (err as Error).message);
  }
  const handler = new ProxyHandler(rt, codec, proxySource.upstream, ctx.upstreamCa);
  const target = new ProxyShadowTarget(rt, codec, proxySource.upstream, ctx.shadowMaxSockets);
  let up = false;
  const stopProbe = probeUntilReady(proxySource.upstream + readinessPath(proxySource.protocol, config.name), (r) => {
    up = r;
  }, ctx.upstreamCa);
  return {
    name, modelVersion, rt, telemetry, target,
    classLabels: undefined,
    featureNames,
    isInference: (method, path) => codec.matchInference(method, path) !== null,
    monitorsInline: (method, path) => handler.monitors(method, path),
    handle: (req, res, path) => {
      handler.handle(req, res, path);
      return true;
    },
    setObserver: (o) => {
      handler.observer = o;
    },
    ready: () => up,
    close: async () => {
      stopProbe();
      handler.close();
      target.close();
    },
  };
}

/**
 * Tap handlers read node:http's messages. The sidecar's own HTTP server only carries proxy and
 * embedded variants' inference calls (VariantRouter.servesInline), so a FastRequest never gets here.
 */
function nodeMessages(req: ServerRequest, res: ServerReply): [IncomingMessage, ServerResponse] {
  if (req instanceof FastRequest) throw new Error('a tap handler was given a request of the fast HTTP server');
  return [req as IncomingMessage, res as ServerResponse];
}

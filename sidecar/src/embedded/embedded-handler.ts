import { performance } from 'node:perf_hooks';
import { ErrorReason } from '@modelwatch/core';
import { encodeOipResponse, matchOipInfer, oipInputBatch, oipOutputBatch, parseOipRequest } from '../protocols/oip.js';
import { compilePath } from '../protocols/route.js';
import { reviewParameters } from '../review/review-marker.js';
import { InferenceExchange } from '../server/exchange.js';
import type { ServerReply, ServerRequest } from '../server/http-types.js';
import { sendError, sendJson } from '../server/respond.js';
import type { Runtime } from '../server/runtime.js';
import type { ExchangeObserver } from '../routing/answered.js';
import type { OnnxModel } from './onnx-model.js';

const MODEL = compilePath('/v2/models/{model}');
const MODEL_VERSION = compilePath('/v2/models/{model}/versions/{version}');
const MODEL_READY = compilePath('/v2/models/{model}/ready');
const MODEL_VERSION_READY = compilePath('/v2/models/{model}/versions/{version}/ready');
const INFER = compilePath('/v2/models/{model}/infer');
const INFER_VERSION = compilePath('/v2/models/{model}/versions/{version}/infer');
/** Low-cardinality route names for spans. */
const INFER_ROUTE = '/v2/models/{model}/infer';

/**
 * Open Inference Protocol v2 REST over an in-process ONNX session. Everything the responses need
 * (metadata JSON, feature names) is computed once here.
 */
export class EmbeddedHandler {
  private readonly metadataBody: string;
  private readonly readyBody: string;
  private readonly featureNames: string[] | undefined;
  /** Rollouts hook: told about every answered inference call (shadow copies, comparisons, canary stats). */
  observer: ExchangeObserver | undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly model: OnnxModel,
  ) {
    const { name, modelVersion } = rt.config;
    this.metadataBody = JSON.stringify({
      name,
      versions: [modelVersion],
      platform: 'onnxruntime_onnx',
      inputs: model.inputs,
      outputs: model.outputs,
      parameters: model.props,
    });
    this.readyBody = JSON.stringify({ name, ready: true });
    this.featureNames = rt.config.features.length > 0 ? rt.config.features.map((f) => f.name) : model.featureNames;
  }

  /**
   * True for the inference calls (POST to an infer route): the ones the sidecar's own HTTP/1.1
   * server carries (server/http1/), like a proxy's monitored calls. Every other route of this
   * handler is served through node:http, which the connection is then handed to.
   */
  servesInference(method: string, path: string): boolean {
    return path.endsWith('/infer') && matchOipInfer(method, path) !== null;
  }

  /**
   * Returns false when the path is not an OIP route (the server answers 404). `req`/`res` are
   * node:http's or the own server's (FastRequest/FastResponse): only their common subset is used.
   */
  handle(req: ServerRequest, res: ServerReply, path: string): boolean {
    const method = req.method ?? 'GET';
    if (path === '/v2/health/live') return this.json(res, { live: true });
    if (path === '/v2/health/ready') return this.json(res, { ready: true });
    if (path === '/v2') return this.json(res, { name: 'modelwatch-sidecar', version: '0.1.0', extensions: [] });
    // Inference is the hot path: a cheap suffix test before the route matchers.
    const infer = path.endsWith('/infer') ? (INFER.match(path) ?? INFER_VERSION.match(path)) : null;
    if (infer) {
      if (method !== 'POST') {
        this.rt.telemetry.error(ErrorReason.unknownRoute);
        sendError(res, 405, `${path} accepts POST only`, { allow: 'POST' });
        return true;
      }
      void this.infer(req, res, path, infer.model, infer.version);
      return true;
    }
    const meta = MODEL.match(path) ?? MODEL_VERSION.match(path);
    const ready = MODEL_READY.match(path) ?? MODEL_VERSION_READY.match(path);
    const target = meta ?? ready;
    if (!target || method !== 'GET') return false;
    if (!this.known(res, target.model, target.version)) return true;
    if (meta) return this.raw(res, this.metadataBody);
    return this.raw(res, this.readyBody);
  }

  private known(res: ServerReply, model: string, version: string | undefined, ex?: InferenceExchange): boolean {
    const { name, modelVersion } = this.rt.config;
    let message: string | undefined;
    if (model !== name) message = `unknown model "${model}"; this sidecar serves "${name}"`;
    else if (version !== undefined && version !== modelVersion) message = `unknown version "${version}" of model "${name}"; available: "${modelVersion}"`;
    if (message === undefined) return true;
    if (ex) ex.fail(404, ErrorReason.unknownModel, message);
    else {
      this.rt.telemetry.error(ErrorReason.unknownModel);
      sendError(res, 404, message);
    }
    return false;
  }

  private json(res: ServerReply, body: unknown): boolean {
    sendJson(res, 200, JSON.stringify(body));
    return true;
  }

  private raw(res: ServerReply, body: string): boolean {
    sendJson(res, 200, body);
    return true;
  }

  private async infer(req: ServerRequest, res: ServerReply, path: string, model: string, version: string | undefined): Promise<void> {
    const ex = new InferenceExchange(this.rt, req, res, INFER_ROUTE, path);
    try {
      if (!this.known(res, model, version, ex)) {
        req.resume();
        return;
      }
      // The own server has usually read the whole body with the head: no promise to wait for then.
      const body = ex.readyBody() ?? await ex.body();
      if (!body) return;
      const { telemetry, tracer } = this.rt;
      const parsed = parseOipRequest(body, req.headers);
      if (!parsed.ok) {
        if (parsed.kind === 'invalid') ex.fail(parsed.status, parsed.reason, parsed.message);
        else ex.fail(400, ErrorReason.wrongDatatype, 'the binary tensor extension is not supported by the embedded server; send JSON tensor data');
        return;
      }
      const feeds = this.model.feeds(parsed.value);
      const outputs = this.model.outputNames(parsed.value);
      if (!feeds.ok || !outputs.ok) {
        const bad = !feeds.ok ? feeds : outputs;
        // The graph checks only ever report `invalid`; anything else is still answered, never left hanging.
        const [status, reason, message] = !bad.ok && bad.kind === 'invalid'
          ? [bad.status, bad.reason, bad.message] as const
          : [400, ErrorReason.wrongShape, 'the request does not match the model inputs'] as const;
        ex.fail(status, reason, message);
        return;
      }
      const inputs = oipInputBatch(parsed.value.inputs, this.featureNames ? { featureNames: this.featureNames } : {});
      telemetry.observeInputs(inputs);

      const t0 = performance.now();
      let result;
      try {
        result = await this.model.run(feeds.value, outputs.value);
      } catch (err) {
        tracer.event(ex.span, 'onnxruntime run failed');
        this.rt.log(`inference failed: ${(err as Error).message}`);
        ex.fail(500, ErrorReason.inferenceFailed, 'the model failed to run on this input');
        return;
      }
      const seconds = (performance.now() - t0) / 1000;
      telemetry.inferenceFinished(seconds);
      // An event, not a child span: a fraction of the cost (bench/sidecar/telemetry-cost.ts).
      tracer.event(ex.span, 'onnxruntime run', { 'modelwatch.inference.rows': parsed.value.inputs[0]?.shape[0] ?? 0, 'modelwatch.inference.duration_ms': seconds * 1000 });
      const answer = oipOutputBatch(result);
      telemetry.observeOutputs(answer);
      // Ground truth: the answer's prediction id (header and OIP `id`; the client's id when it sent one) and its sampled record.
      const id = this.rt.predictions.answered(ex, req.headers, inputs, answer, parsed.value.id);
      ex.ok(encodeOipResponse({
        model_name: this.rt.config.name,
        model_version: this.rt.config.modelVersion,
        id,
        ...(reviewParameters(ex) ? { parameters: reviewParameters(ex) } : {}),
        outputs: result,
      }));
      this.observer?.({ method: req.method ?? 'POST', url: req.url ?? path, headers: req.headers, body, status: 200, outputs: answer, inputs });
    } catch (err) {
      ex.internal(err);
    }
  }
}

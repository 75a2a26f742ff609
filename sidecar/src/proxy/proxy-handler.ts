import http, { IncomingMessage, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { ErrorReason, Outcome } from '@modelwatch/core';
import type { InferenceRoute, ProtocolCodec } from '../protocols/codec.js';
import type { InputBatch, Parsed } from '../protocols/types.js';
import type { ExchangeObserver } from '../routing/answered.js';
import { PREDICTION_ID_HEADER } from '../predictions/prediction-log.js';
import { heldAnswer } from '../review/held-answer.js';
import { InferenceExchange } from '../server/exchange.js';
import { sendError } from '../server/respond.js';
import type { ServerReply, ServerRequest } from '../server/http-types.js';
import { internalFailure } from '../server/respond.js';
import type { Runtime } from '../server/runtime.js';
import { TRACE_ID_HEADER } from '../tracing/tracing.js';
import { CallMonitor, RESPONSE_BUFFER_FACTOR, outcomeOf } from './call-monitor.js';
import { HOP_BY_HOP, hopByHop, NodeForwarder, RawForwarder, type Forwarder } from './forwarder.js';
import type { UpstreamControl, UpstreamListener } from './upstream-pool.js';

export { UNMONITORABLE_LARGE_RESPONSE } from './call-monitor.js';

function forwardHeaders(headers: IncomingHttpHeaders, host: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const k in headers) if (!HOP_BY_HOP.has(k)) out[k] = headers[k];
  out.host = host;
  return out;
}

/**
 * The upstream's response headers as a flat [name, value, …] list for writeHead: built from
 * rawHeaders (no header object per response), hop-by-hop ones dropped. Content-Length is kept so
 * a streamed answer is not re-chunked.
 */
function responseHeaders(raw: string[], traceId: string | undefined, predictionId?: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    // Content-Length (the one hop-by-hop name of 14 characters) is kept.
    if (raw[i].length !== 14 && hopByHop(raw[i])) continue;
    out.push(raw[i], raw[i + 1]);
  }
  if (traceId !== undefined) out.push(TRACE_ID_HEADER, traceId);
  if (predictionId !== undefined) out.push(PREDICTION_ID_HEADER, predictionId);
  return out;
}
/** Paths remembered by ProxyHandler.match: at most this many, of at most this length (≤ 64 KiB in all). */
const ROUTE_CACHE_SIZE = 256;
const ROUTE_CACHE_PATH_MAX = 256;

/** A call naming another model than the one this sidecar monitors: served, not counted as ours. */
export const UNMONITORABLE_OTHER_MODEL = 'other_model';

/**
 * Proxy mode: inference calls (as the codec recognises them) are read, checked and forwarded;
 * the upstream's answer is streamed to the client as it arrives (a bounded copy is kept), and only
 * once the client has it are the response parsed and the metrics recorded (answer first, monitor
 * after). Everything else is streamed through untouched. One keep-alive agent for the upstream.
 */
export class ProxyHandler {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly basePath: string;
  readonly timeoutMs: number;
  /** Rollouts hook: told about every answered inference call (shadow copies, comparisons, canary stats). */
  observer: ExchangeObserver | undefined;
  private readonly monitor: CallMonitor;
  private readonly route: string;
  readonly responseLimit: number;
  private readonly forwarder: Forwarder;
  private readonly routes = new Map<string, InferenceRoute | null>();
  private readonly timerList: NodeJS.Timeout;
  /** Partial automation: 2xx answers are held until checked for review (decided once, at startup). */
  readonly holdForReview: boolean;

  constructor(
    readonly rt: Runtime,
    private readonly codec: ProtocolCodec,
    upstream: string,
    /** CA bundle the https upstream's certificate must chain to (else the system CAs). */
    upstreamCa?: Buffer,
  ) {
    this.base = new URL(upstream);
    const secure = this.base.protocol === 'https:';
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 512, ...(upstreamCa ? { ca: upstreamCa } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 512 });
    this.request = secure ? https.request : http.request;
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.timeoutMs = rt.config.limits.upstreamTimeoutMs;
    this.monitor = new CallMonitor(rt.telemetry, codec);
    this.route = routeName(codec, rt);
    this.responseLimit = rt.config.limits.maxBodyBytes * RESPONSE_BUFFER_FACTOR;
    this.holdForReview = rt.predictions.reviewing;
    // Node keeps one list per timer duration and deletes it when its last timer is cleared; at a
    // few calls at a time the per-call time-out would create the list, queue it and arm libuv's
    // timer on setTimeout and undo all three on clearTimeout. A timer of the same duration that
    // stays (unref'd: it holds nothing open, and does nothing) keeps the list, so a call's timer is
    // a list append and remove. The calls' time-outs themselves are unchanged.
    this.timerList = setInterval(noop, this.timeoutMs);
    this.timerList.unref();
    // Decided once: raw pooled sockets for a plain-HTTP upstream (measured cheaper, docs/performance.md);
    // node:http for https, or when MODELWATCH_UPSTREAM_CLIENT=node (the bench's comparison side).
    this.forwarder = secure || process.env.MODELWATCH_UPSTREAM_CLIENT === 'node'
      ? new NodeForwarder(this.base, this.agent)
      : new RawForwarder(this.base);
  }

  close(): void {
    clearInterval(this.timerList);
    this.agent.destroy();
    this.forwarder.close();
  }

  /** True for the calls handle() monitors (the ones the sidecar's own HTTP server may carry). */
  monitors(method: string, path: string): boolean {
    const route = this.match(method, path);
    return route !== null && (route.model === undefined || route.model === this.rt.config.name);
  }

  /**
   * The codec's route for a POST path, remembered per path string: a call's path is matched twice
   * (the own server's `serves`, then here), and clients call the same few paths. Bounded: short
   * paths only, and the table starts over when full. Routes are read, never changed.
   */
  private match(method: string, path: string): InferenceRoute | null {
    if (method !== 'POST' || path.length > ROUTE_CACHE_PATH_MAX) return this.codec.matchInference(method, path);
    let route = this.routes.get(path);
    if (route === undefined) {
      // The key is copied: `path` is a slice of the request head's text, and a kept slice keeps
      // its whole head (up to 16 KiB) alive (review finding, test/regression/route-cache-retention).
      const key = (' ' + path).slice(1);
      route = this.codec.matchInference(method, key);
      if (this.routes.size >= ROUTE_CACHE_SIZE) this.routes.clear();
      this.routes.set(key, route);
    }
    return route;
  }

  handle(req: ServerRequest, res: ServerReply, path: string): void {
    const route = this.match(req.method ?? 'GET', path);
    if (route && (route.model === undefined || route.model === this.rt.config.name)) {
      this.monitored(req, res, path);
      return;
    }
    // Streamed through: node:http's messages only (the sidecar's own server hands such calls to node:http).
    if (!(req instanceof IncomingMessage)) {
      internalFailure(this.rt, res, new Error(`pass-through of ${req.method} ${path} reached the fast server`));
      return;
    }
    // Issue 12, item 8: another model's traffic was counted under this one's name.
    if (route) this.rt.telemetry.unmonitoredPayload(UNMONITORABLE_OTHER_MODEL);
    this.passThrough(req, res as ServerResponse);
  }

  private upstreamOptions(req: IncomingMessage, headers: OutgoingHttpHeaders): http.RequestOptions {
    return {
      protocol: this.base.protocol,
      hostname: this.base.hostname,
      port: this.base.port,
      method: req.method,
      path: this.basePath + (req.url ?? '/'),
      headers,
      agent: this.agent,
    };
  }

  private passThrough(req: IncomingMessage, res: ServerResponse): void {
    const up = this.request(this.upstreamOptions(req, forwardHeaders(req.headers, this.base.host)), (ures) => {
      res.writeHead(ures.statusCode ?? 502, responseHeaders(ures.rawHeaders, undefined));
      ures.pipe(res);
    });
    up.setTimeout(this.timeoutMs, () => up.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT_UPSTREAM' })));
    up.on('error', (err: NodeJS.ErrnoException) => {
      const timeout = err.code === 'ETIMEDOUT_UPSTREAM';
      this.rt.telemetry.error(timeout ? ErrorReason.upstreamTimeout : ErrorReason.upstreamRefused);
      if (!res.headersSent) sendError(res, timeout ? 504 : 502, timeout ? 'the model server did not answer in time' : 'the model server is unreachable');
      else res.destroy();
    });
    req.pipe(up);
  }

  private monitored(req: ServerRequest, res: ServerReply, path: string): void {
    const ex = new InferenceExchange(this.rt, req, res, this.route, path);
    const ready = ex.readyBody();
    if (ready !== undefined) this.checked(req, res, ex, ready);
    else void this.whenBody(req, res, ex);
  }

  private async whenBody(req: ServerRequest, res: ServerReply, ex: InferenceExchange): Promise<void> {
    try {
      const body = await ex.body();
      if (body) this.checked(req, res, ex, body);
    } catch (err) {
      ex.internal(err);
    }
  }

  private checked(req: ServerRequest, res: ServerReply, ex: InferenceExchange, body: Buffer): void {
    try {
      // The request is parsed before forwarding: bad input is refused here and never reaches the model.
      const request = this.codec.parseRequest(body, req.headers);
      if (!request.ok && request.kind === 'invalid') {
        ex.fail(request.status, request.reason, request.message);
        return;
      }
      this.forward(req, res, ex, body, request);
    } catch (err) {
      ex.internal(err);
    }
  }

  /**
   * Sends the call upstream and streams the answer back as it comes, keeping a copy for the
   * monitor up to the response limit (beyond it the copy is dropped and the answer counted
   * unmonitored; memory stays bounded). Parsing and metrics run after res.end(). One ProxyCall per
   * call is the upstream's listener and the time-out's argument (no closures per call).
   */
  private forward(req: ServerRequest, res: ServerReply, ex: InferenceExchange, body: Buffer, request: Parsed<InputBatch>): void {
    // Ground truth: the id is chosen before forwarding so that it can go out with the answer's
    // headers; an OIP request without an id carries it to the model server, which echoes it in its
    // answer's `id` (the answer itself streams through untouched).
    const predictions = this.rt.predictions;
    const requestId = request.ok ? request.value.requestId : undefined;
    const predictionId = predictions.predictionId(req.headers, requestId);
    const upstreamBody = this.codec.protocol === 'oip' && request.ok && requestId === undefined ? predictions.oipBody(body, predictionId) : body;
    const call = new ProxyCall(this, req, res, ex, body, request, predictionId);
    call.control = this.forwarder.send({
      method: req.method ?? 'POST',
      path: this.basePath + (req.url ?? '/'),
      rawHeaders: req.rawHeaders,
      traceparent: ex.span?.traceparent,
      body: upstreamBody,
    }, call);
    // One timer for the whole exchange (connect + response), not an idle-socket timeout.
    if (call.settled) return;
    call.timer = setTimeout(upstreamTimedOut, this.timeoutMs, call);
  }

  /** The answer is complete (and, unless held, sent): everything here is off the client's critical path. */
  answered(call: ProxyCall): void {
    const { req, res, ex, body, request, status, predictionId } = call;
    if (call.held !== undefined) {
      this.answerHeld(req, res, ex, body, request, { status, headerList: call.headerList, chunks: call.held, size: call.size, t0: call.t0 }, predictionId);
      return;
    }
    if (!call.ended) res.end();
    const size = call.size;
    const inferenceSeconds = (performance.now() - call.t0) / 1000;
    this.rt.tracer.event(ex.span, 'upstream answered', { 'http.response.status_code': status });
    ex.finish(outcomeOf(status), status, size, status >= 500 ? ErrorReason.upstreamStatus : undefined);
    const chunks = call.chunks;
    const responseBody = chunks === undefined ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
    const outputs = this.monitor.observe({
      request, requestHeaders: req.headers, requestBytes: body.length,
      status, responseBody, responseBytes: size, responseHeaders: headerObject(call.headerList), inferenceSeconds,
    });
    if (status >= 200 && status < 300) this.rt.predictions.record(ex, predictionId, request.ok ? request.value : undefined, outputs);
    this.observer?.({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body, status, outputs, ...(request.ok ? { inputs: request.value } : {}) });
  }

  /**
   * A held answer (review rule on): parsed and monitored first, checked for review, then sent with
   * the review header (and, for OIP, `parameters.modelwatch_review`), and recorded.
   */
  private answerHeld(
    req: ServerRequest,
    res: ServerReply,
    ex: InferenceExchange,
    body: Buffer,
    request: Parsed<InputBatch>,
    answer: { status: number; headerList: string[]; chunks: Buffer[]; size: number; t0: number },
    predictionId: string,
  ): void {
    const predictions = this.rt.predictions;
    const inferenceSeconds = (performance.now() - answer.t0) / 1000;
    const responseBody = answer.chunks.length === 1 ? answer.chunks[0] : Buffer.concat(answer.chunks, answer.size);
    const outputs = this.monitor.observe({
      request, requestHeaders: req.headers, requestBytes: body.length,
      status: answer.status, responseBody, responseBytes: answer.size, responseHeaders: headerObject(answer.headerList), inferenceSeconds,
    });
    const inputs = request.ok ? request.value : undefined;
    const marked = predictions.markForReview(ex, predictionId, inputs, outputs);
    const out = heldAnswer(responseHeaders(answer.headerList, ex.span?.traceId, predictionId), responseBody, marked, this.codec.protocol === 'oip');
    res.writeHead(answer.status, out.headers);
    res.end(out.body);
    this.rt.tracer.event(ex.span, 'upstream answered', { 'http.response.status_code': answer.status });
    ex.finish(outcomeOf(answer.status), answer.status, out.body.length);
    predictions.record(ex, predictionId, inputs, outputs);
    this.observer?.({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body, status: answer.status, outputs });
  }
}

/** What a ProxyCall reads of its handler (decided once per handler). */
interface CallHost {
  readonly rt: Runtime;
  readonly holdForReview: boolean;
  readonly responseLimit: number;
  readonly timeoutMs: number;
  answered(call: ProxyCall): void;
}

/**
 * One monitored call on its way through the proxy: the upstream's listener (head, data, end,
 * error), the answer's state, and the time-out's target. Exactly one of end, error and the
 * time-out settles it; whatever comes after is ignored.
 */
class ProxyCall implements UpstreamListener {
  readonly t0 = performance.now();
  settled = false;
  status = 502;
  headerList: string[] = [];
  /** The monitor's copy of the answer; dropped (undefined) beyond the response limit. */
  chunks: Buffer[] | undefined = [];
  size = 0;
  ended = false;
  private declared = -1;
  timer: NodeJS.Timeout | undefined;
  /**
   * With a review rule a 2xx answer waits here until it is checked: the caller must get the
   * x-modelwatch-review header with it. An answer too big to keep is released and streams on unchecked.
   */
  held: Buffer[] | undefined;
  control!: UpstreamControl;

  constructor(
    private readonly host: CallHost,
    readonly req: ServerRequest,
    readonly res: ServerReply,
    readonly ex: InferenceExchange,
    readonly body: Buffer,
    readonly request: Parsed<InputBatch>,
    readonly predictionId: string,
  ) {}

  head(code: number, headers: string[]): void {
    if (this.settled) return;
    this.status = code;
    this.headerList = headers;
    for (let i = 0; i < headers.length; i += 2) if (headers[i].length === 14 && headers[i].toLowerCase() === 'content-length') this.declared = Number(headers[i + 1]);
    if (this.host.holdForReview && code >= 200 && code < 300 && this.request.ok) {
      this.held = [];
      return;
    }
    this.res.writeHead(code, responseHeaders(headers, this.ex.span?.traceId, code >= 200 && code < 300 ? this.predictionId : undefined));
  }

  data(c: Buffer): void {
    if (this.settled) return;
    this.size += c.length;
    if (this.chunks !== undefined) {
      if (this.size <= this.host.responseLimit) this.chunks.push(c);
      else this.chunks = undefined;
    }
    if (this.held !== undefined) {
      this.held.push(c);
      if (this.chunks === undefined) this.release();
      return;
    }
    // The last (often the only) chunk goes out with end(): headers and body in one write.
    if (this.size === this.declared) {
      this.ended = true;
      this.res.end(c);
    } else if (!this.res.write(c)) {
      const control = this.control;
      control.pause();
      this.res.once('drain', () => control.resume());
    }
  }

  end(): void {
    if (!this.settle()) return;
    this.host.answered(this);
  }

  error(code: string): void {
    if (!this.settle()) return;
    const { res, ex } = this;
    if (res.headersSent) {
      this.host.rt.telemetry.error(ErrorReason.upstreamRefused);
      res.destroy();
      ex.finish(Outcome.upstreamError, 502, this.size, ErrorReason.upstreamRefused);
    } else ex.fail(502, ErrorReason.upstreamRefused, `the model server is unreachable (${code})`);
  }

  timedOut(): void {
    if (!this.settle()) return;
    this.control.abort();
    const { res, ex } = this;
    if (res.headersSent) {
      this.host.rt.telemetry.error(ErrorReason.upstreamTimeout);
      res.destroy();
      ex.finish(Outcome.upstreamError, 504, 0, ErrorReason.upstreamTimeout);
    } else ex.fail(504, ErrorReason.upstreamTimeout, `the model server did not answer within ${this.host.timeoutMs} ms`);
  }

  /** A held answer too big to keep: sent as it is, unchecked. */
  private release(): void {
    const parts = this.held!;
    this.held = undefined;
    this.res.writeHead(this.status, responseHeaders(this.headerList, this.ex.span?.traceId, this.predictionId));
    for (const p of parts) this.res.write(p);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    return true;
  }
}

function noop(): void {}

function upstreamTimedOut(call: ProxyCall): void {
  call.timedOut();
}

/** The few response headers the codecs look at (content-type, binary-tensor header), lower-cased. */
function headerObject(list: string[]): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (let i = 0; i < list.length; i += 2) out[list[i].toLowerCase()] = list[i + 1];
  return out;
}

/** Low-cardinality span route: the codec's template family, never the raw path. */
function routeName(codec: ProtocolCodec, rt: Runtime): string {
  switch (codec.protocol) {
    case 'oip': return '/v2/models/{model}/infer';
    case 'tfserving': return '/v1/models/{model}:predict';
    case 'mlflow': return '/invocations';
    default: {
      const src = rt.config.source;
      return src.kind === 'proxy' && src.json ? src.json.path : 'inference';
    }
  }
}

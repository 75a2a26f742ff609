import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { ErrorReason, Outcome } from '@modelwatch/core';
import type { ProtocolCodec } from '../protocols/codec.js';
import type { InputBatch, Parsed } from '../protocols/types.js';
import { InferenceExchange } from '../server/exchange.js';
import { sendError } from '../server/respond.js';
import type { Runtime } from '../server/runtime.js';
import { CallMonitor, RESPONSE_BUFFER_FACTOR, outcomeOf } from './call-monitor.js';

export { UNMONITORABLE_LARGE_RESPONSE } from './call-monitor.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are per connection and never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

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
function responseHeaders(raw: string[], traceId: string | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    if (k !== 'content-length' && HOP_BY_HOP.has(k)) continue;
    out.push(raw[i], raw[i + 1]);
  }
  if (traceId !== undefined) out.push(TRACE_HEADER, traceId);
  return out;
}
const TRACE_HEADER = 'x-modelwatch-trace-id';

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
  private readonly timeoutMs: number;
  private readonly monitor: CallMonitor;
  private readonly route: string;
  private readonly responseLimit: number;

  constructor(
    private readonly rt: Runtime,
    private readonly codec: ProtocolCodec,
    upstream: string,
  ) {
    this.base = new URL(upstream);
    const secure = this.base.protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 512 }) : new http.Agent({ keepAlive: true, maxSockets: 512 });
    this.request = secure ? https.request : http.request;
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.timeoutMs = rt.config.limits.upstreamTimeoutMs;
    this.monitor = new CallMonitor(rt.telemetry, codec);
    this.route = routeName(codec, rt);
    this.responseLimit = rt.config.limits.maxBodyBytes * RESPONSE_BUFFER_FACTOR;
  }

  close(): void {
    this.agent.destroy();
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const route = this.codec.matchInference(req.method ?? 'GET', path);
    if (route) void this.monitored(req, res, path);
    else this.passThrough(req, res);
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

  private async monitored(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const ex = new InferenceExchange(this.rt, req, res, this.route, path);
    try {
      const body = await ex.body();
      if (!body) return;
      // The request is parsed before forwarding: bad input is refused here and never reaches the model.
      const request = this.codec.parseRequest(body, req.headers);
      if (!request.ok && request.kind === 'invalid') {
        ex.fail(request.status, request.reason, request.message);
        return;
      }
      const headers = forwardHeaders(req.headers, this.base.host);
      headers['content-length'] = body.length;
      this.rt.tracer.inject(ex.span, headers);
      this.forward(req, res, ex, headers, body, request);
    } catch (err) {
      this.rt.log(`internal error: ${(err as Error).stack ?? String(err)}`);
      ex.fail(500, ErrorReason.internal, 'internal error');
    }
  }

  /**
   * Sends the call upstream and streams the answer back as it comes, keeping a copy for the
   * monitor up to the response limit (beyond it the copy is dropped and the answer counted
   * unmonitored; memory stays bounded). Parsing and metrics run after res.end().
   */
  private forward(req: IncomingMessage, res: ServerResponse, ex: InferenceExchange, headers: OutgoingHttpHeaders, body: Buffer, request: Parsed<InputBatch>): void {
    const t0 = performance.now();
    let settled = false;
    const up = this.request(this.upstreamOptions(req, headers), (ures) => {
      const status = ures.statusCode ?? 502;
      res.writeHead(status, responseHeaders(ures.rawHeaders, ex.span?.traceId));
      let chunks: Buffer[] | undefined = [];
      let size = 0;
      ures.on('data', (c: Buffer) => {
        size += c.length;
        if (chunks !== undefined) {
          if (size <= this.responseLimit) chunks.push(c);
          else chunks = undefined;
        }
        if (!res.write(c)) {
          ures.pause();
          res.once('drain', () => ures.resume());
        }
      });
      ures.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        res.end();
        // Answered: everything below is off the client's critical path.
        const inferenceSeconds = (performance.now() - t0) / 1000;
        this.rt.tracer.event(ex.span, 'upstream answered', { 'http.response.status_code': status });
        ex.finish(outcomeOf(status), status, size, status >= 500 ? ErrorReason.upstreamStatus : undefined);
        const responseBody = chunks === undefined ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
        this.monitor.observe({
          request, requestHeaders: req.headers, requestBytes: body.length,
          status, responseBody, responseBytes: size, responseHeaders: ures.headers, inferenceSeconds,
        });
      });
      ures.on('error', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.rt.telemetry.error(ErrorReason.upstreamRefused);
        res.destroy();
        ex.finish(Outcome.upstreamError, 502, size, ErrorReason.upstreamRefused);
      });
    });
    // One timer for the whole exchange (connect + response), not an idle-socket timeout.
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      up.destroy();
      if (res.headersSent) {
        this.rt.telemetry.error(ErrorReason.upstreamTimeout);
        res.destroy();
        ex.finish(Outcome.upstreamError, 504, 0, ErrorReason.upstreamTimeout);
      } else ex.fail(504, ErrorReason.upstreamTimeout, `the model server did not answer within ${this.timeoutMs} ms`);
    }, this.timeoutMs);
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (res.headersSent) {
        this.rt.telemetry.error(ErrorReason.upstreamRefused);
        res.destroy();
        ex.finish(Outcome.upstreamError, 502, 0, ErrorReason.upstreamRefused);
      } else ex.fail(502, ErrorReason.upstreamRefused, `the model server is unreachable (${err.code ?? 'error'})`);
    });
    up.end(body);
  }
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

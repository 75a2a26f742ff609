import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { SpanKind } from '@opentelemetry/api';
import { ErrorReason, Outcome } from '@modelwatch/core';
import type { ProtocolCodec } from '../protocols/codec.js';
import type { InputBatch, OutputBatch } from '../protocols/types.js';
import { InferenceExchange } from '../server/exchange.js';
import { sendError } from '../server/respond.js';
import type { Runtime } from '../server/runtime.js';
import { endSpan } from '../tracing/tracing.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are per connection and never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);

function forwardHeaders(headers: IncomingHttpHeaders, host: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const k in headers) if (!HOP_BY_HOP.has(k)) out[k] = headers[k];
  out.host = host;
  return out;
}

type UpstreamFailure = { kind: 'timeout' } | { kind: 'refused'; code: string };
/** The upstream answer outgrew the monitoring buffer and is being streamed to the client as is. */
type Streamed = { kind: 'streamed'; status: number };

/** Upstream answers are buffered for monitoring up to this multiple of maxBodyBytes, then streamed. */
const RESPONSE_BUFFER_FACTOR = 8;
export const UNMONITORABLE_LARGE_RESPONSE = 'response_too_large';

/**
 * Proxy mode: inference calls (as the codec recognises them) are buffered, monitored and
 * forwarded; everything else is streamed through untouched. One keep-alive agent for the upstream.
 */
export class ProxyHandler {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly basePath: string;
  private readonly timeoutMs: number;

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
  }

  close(): void {
    this.agent.destroy();
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const route = this.codec.matchInference(req.method ?? 'GET', path);
    if (route) void this.monitored(req, res, path);
    else this.passThrough(req, res);
  }

  /** Low-cardinality span route: the codec's template family, never the raw path. */
  private routeName(): string {
    switch (this.codec.protocol) {
      case 'oip': return '/v2/models/{model}/infer';
      case 'tfserving': return '/v1/models/{model}:predict';
      case 'mlflow': return '/invocations';
      default: {
        const src = this.rt.config.source;
        return src.kind === 'proxy' && src.json ? src.json.path : 'inference';
      }
    }
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
      res.writeHead(ures.statusCode ?? 502, forwardHeaders(ures.headers, this.base.host) as http.OutgoingHttpHeaders);
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
    const ex = new InferenceExchange(this.rt, req, res, this.routeName(), path);
    try {
      const body = await ex.body();
      if (!body) return;
      const { telemetry, tracer } = this.rt;
      const parseSpan = tracer.child(ex.span, 'parse request');
      const parsed = this.codec.parseRequest(body, req.headers);
      let monitorResponse = true;
      let inputs: InputBatch | undefined;
      if (parsed.ok) {
        inputs = parsed.value;
        telemetry.observeInputs(parsed.value);
        endSpan(parseSpan);
      } else if (parsed.kind === 'invalid') {
        endSpan(parseSpan, parsed.reason);
        ex.fail(parsed.status, parsed.reason, parsed.message);
        return;
      } else {
        endSpan(parseSpan);
        telemetry.unmonitoredPayload(parsed.reason);
        monitorResponse = false;
      }

      const headers = forwardHeaders(req.headers, this.base.host);
      headers['content-length'] = body.length;
      const clientSpan = tracer.child(ex.span, `${req.method} upstream`, SpanKind.CLIENT, {
        'http.request.method': req.method ?? 'POST',
        'server.address': this.base.hostname,
        'server.port': Number(this.base.port || (this.base.protocol === 'https:' ? 443 : 80)),
      });
      tracer.inject(ex.span, clientSpan, headers);
      const t0 = performance.now();
      const answer = await this.call(req, headers, body, res, ex.traceHeaders);
      telemetry.inferenceFinished((performance.now() - t0) / 1000);
      if ('kind' in answer && answer.kind === 'streamed') {
        endSpan(clientSpan);
        telemetry.unmonitoredPayload(UNMONITORABLE_LARGE_RESPONSE);
        const outcome = answer.status < 400 ? Outcome.success : answer.status < 500 ? Outcome.clientError : Outcome.upstreamError;
        ex.finish(outcome, answer.status, 0);
        return;
      }
      if ('kind' in answer) {
        const timeout = answer.kind === 'timeout';
        endSpan(clientSpan, timeout ? ErrorReason.upstreamTimeout : ErrorReason.upstreamRefused);
        if (timeout) ex.fail(504, ErrorReason.upstreamTimeout, `the model server did not answer within ${this.timeoutMs} ms`);
        else ex.fail(502, ErrorReason.upstreamRefused, `the model server is unreachable (${answer.code})`);
        return;
      }
      clientSpan?.setAttribute('http.response.status_code', answer.status);
      endSpan(clientSpan, answer.status >= 500 ? String(answer.status) : undefined);
      let outputs: OutputBatch | undefined;
      if (answer.status >= 200 && answer.status < 300 && monitorResponse) {
        const out = this.codec.parseResponse(answer.body, answer.headers);
        if (out.ok) {
          outputs = out.value;
          telemetry.observeOutputs(out.value);
        } else telemetry.unmonitoredPayload(out.kind === 'invalid' ? 'unparseable_response' : out.reason);
      }
      if (answer.status >= 500) telemetry.error(ErrorReason.upstreamStatus);
      // Ground truth: the answer's prediction id (header; OIP body `id`) and its sampled record.
      const answerBody = answer.status >= 200 && answer.status < 300
        ? this.rt.predictions.answeredBody(ex, req.headers, inputs, outputs, answer.body, this.codec.protocol)
        : answer.body;
      const outHeaders = forwardHeaders(answer.headers, this.base.host) as Record<string, string>;
      delete outHeaders.host;
      res.writeHead(answer.status, { ...outHeaders, 'content-length': String(answerBody.length), ...ex.traceHeaders });
      res.end(answerBody);
      const outcome = answer.status < 400 ? Outcome.success : answer.status < 500 ? Outcome.clientError : Outcome.upstreamError;
      ex.finish(outcome, answer.status, answerBody.length, answer.status >= 500 ? ErrorReason.upstreamStatus : undefined);
    } catch (err) {
      ex.internal(err);
    }
  }

  private call(
    req: IncomingMessage,
    headers: OutgoingHttpHeaders,
    body: Buffer,
    res: ServerResponse,
    traceHeaders: Record<string, string>,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer } | UpstreamFailure | Streamed> {
    const limit = this.rt.config.limits.maxBodyBytes * RESPONSE_BUFFER_FACTOR;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (v: Parameters<typeof resolve>[0]) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve(v);
        }
      };
      const up = this.request(this.upstreamOptions(req, headers), (ures) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (c: Buffer) => {
          size += c.length;
          chunks.push(c);
          if (size <= limit || settled) return;
          // Too big to hold for monitoring: stream it through untouched instead (memory stays bounded).
          ures.off('data', onData);
          const status = ures.statusCode ?? 502;
          const out = forwardHeaders(ures.headers, this.base.host) as Record<string, string | string[] | undefined>;
          delete out.host;
          res.writeHead(status, { ...out, ...traceHeaders });
          for (const chunk of chunks) res.write(chunk);
          chunks.length = 0;
          ures.pipe(res);
          settle({ kind: 'streamed', status });
        };
        ures.on('data', onData);
        ures.on('end', () => settle({ status: ures.statusCode ?? 502, headers: ures.headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }));
        ures.on('error', () => settle({ kind: 'refused', code: 'ECONNRESET' }));
      });
      // One timer for the whole exchange (connect + response), not an idle-socket timeout.
      const timer = setTimeout(() => {
        settle({ kind: 'timeout' });
        up.destroy();
      }, this.timeoutMs);
      up.on('error', (err: NodeJS.ErrnoException) => settle({ kind: 'refused', code: err.code ?? 'error' }));
      up.end(body);
    });
  }
}

import { performance } from 'node:perf_hooks';
import { correlationId, ErrorReason, internalError, Outcome, type ErrorReasonValue, type OutcomeValue } from '@modelwatch/core';
import { TRACE_ID_HEADER, type ServerSpan } from '../tracing/tracing.js';
import { readBody, type BodyResult } from './body.js';
import { FastRequest } from './http1/fast-request.js';
import type { ServerReply, ServerRequest } from './http-types.js';
import { sendError, sendJson } from './respond.js';
import type { Runtime } from './runtime.js';
import { timedOut } from './overload.js';

/**
 * One monitored inference call: times it, keeps the in-flight gauge, owns the server span and
 * records exactly one outcome however the call ends.
 */
export class InferenceExchange {
  readonly span: ServerSpan | undefined;
  readonly traceHeaders: Record<string, string>;
  private readonly start = performance.now();
  requestBytes = 0;
  private done = false;

  constructor(
    readonly rt: Runtime,
    readonly req: ServerRequest,
    readonly res: ServerReply,
    route: string,
    path: string,
  ) {
    rt.telemetry.requestStarted();
    this.span = rt.tracer.startServer(req.method ?? 'GET', route, path, req.headers, req.httpVersion);
    this.traceHeaders = this.span ? { [TRACE_ID_HEADER]: this.span.traceId } : {};
    // A client that disconnects mid-call still gets its call recorded once.
    res.once('close', () => {
      if (!this.done) this.finish(Outcome.clientError, 499, 0);
    });
  }

  /**
   * The body, when the sidecar's own HTTP server read all of it with the head (the usual inference
   * call): no promise and no turn of the microtask queue. Otherwise undefined: use body().
   */
  readyBody(): Buffer | undefined {
    if (!(this.req instanceof FastRequest)) return undefined;
    const body = this.req.completeBody(this.rt.config.limits.maxBodyBytes);
    if (body !== undefined) this.requestBytes = body.length;
    return body;
  }

  async body(): Promise<Buffer | undefined> {
    const r: BodyResult = await readBody(this.req, this.rt.config.limits.maxBodyBytes);
    if (r.ok) {
      this.requestBytes = r.body.length;
      return r.body;
    }
    if (r.tooLarge) {
      this.requestBytes = r.received;
      // Stop reading: the rest of the upload is not consumed, so the connection cannot be reused.
      this.fail(413, 'body_too_large', `request body exceeds the limit of ${this.rt.config.limits.maxBodyBytes} bytes`, { connection: 'close' });
      this.res.once('finish', () => this.req.socket.destroySoon());
    } else if (timedOut(this.req.socket)) {
      // The server's clientError handler already answered 408 on the socket.
      this.rt.telemetry.error(ErrorReason.requestTimeout);
      this.finish(Outcome.clientError, 408, 0, ErrorReason.requestTimeout);
    } else {
      this.finish(Outcome.clientError, 400, 0);
    }
    return undefined;
  }

  /** Answers a 4xx/5xx JSON error and counts its reason. */
  fail(status: number, reason: ErrorReasonValue, message: string, headers?: Record<string, string>): void {
    if (this.done || this.res.headersSent) return;
    this.rt.telemetry.error(reason);
    const len = sendError(this.res, status, message, { ...this.traceHeaders, ...headers }, reason);
    const outcome = status >= 500 ? (reason.startsWith('upstream') ? Outcome.upstreamError : Outcome.internalError) : Outcome.clientError;
    this.finish(outcome, status, len, reason);
  }

  /**
   * Answers an unexpected failure: 500 with a correlation id only (no stack, no path), counted
   * as reason "internal", logged once with the same id and the stack.
   */
  internal(err: unknown): void {
    const id = correlationId();
    this.rt.log(`internal error ${id}: ${(err as Error)?.stack ?? String(err)}`);
    if (this.done || this.res.headersSent) {
      this.rt.telemetry.error(ErrorReason.internal);
      this.res.destroy();
      return;
    }
    this.rt.telemetry.error(ErrorReason.internal);
    const body = JSON.stringify({ ...internalError(id).body(), correlationId: id });
    const len = sendJson(this.res, 500, body, this.traceHeaders);
    this.finish(Outcome.internalError, 500, len, ErrorReason.internal);
  }

  ok(body: string): void {
    if (this.done) return;
    const len = sendJson(this.res, 200, body, this.traceHeaders);
    this.finish(Outcome.success, 200, len);
  }

  finish(outcome: OutcomeValue, status: number, responseBytes: number, errorType?: string): void {
    if (this.done) return;
    this.done = true;
    const seconds = (performance.now() - this.start) / 1000;
    this.rt.telemetry.requestFinished(outcome, status, seconds, this.requestBytes, responseBytes);
    this.rt.tracer.endServer(this.span, status, errorType);
  }
}


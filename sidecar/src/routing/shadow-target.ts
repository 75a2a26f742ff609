import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { Outcome } from '@modelwatch/core';
import type { OnnxModel } from '../embedded/onnx-model.js';
import type { ProtocolCodec } from '../protocols/codec.js';
import { oipInputBatch, oipOutputBatch, parseOipRequest } from '../protocols/oip.js';
import type { InputBatch, OutputBatch } from '../protocols/types.js';
import type { Runtime } from '../server/runtime.js';
import type { AnsweredExchange } from './answered.js';

export type ShadowResult =
  | { ok: true; outputs: OutputBatch | undefined; inputs?: InputBatch }
  | { ok: false; timeout: boolean };

/**
 * A variant called off the client path: a copy of an answered request is replayed on it and its
 * outputs returned for comparison. With `record`, the call is monitored as the variant's own traffic
 * (its requests, latency, inputs and outputs under its `variant` label); without, it is a reference
 * call for a comparison only and leaves no trace in the variant's series. Never rejects.
 */
export interface ShadowTarget {
  invoke(exchange: AnsweredExchange, record: boolean, timeoutMs: number): Promise<ShadowResult>;
  close(): void;
}

/** For variants that cannot take copies (tap mode): every copy is a failed shadow call. */
export const NO_SHADOW_TARGET: ShadowTarget = {
  invoke: () => Promise.resolve({ ok: false, timeout: false }),
  close: () => {},
};

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);
/** Shadow answers are held for comparison up to this size; a bigger answer is a failed shadow call. */
const MAX_SHADOW_RESPONSE_BYTES = 64 * 1024 * 1024;

function outcomeOf(status: number) {
  return status < 400 ? Outcome.success : status < 500 ? Outcome.clientError : Outcome.upstreamError;
}

/** Replays the request on another model server of the same protocol, on its own connection pool. */
export class ProxyShadowTarget implements ShadowTarget {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly basePath: string;

  constructor(
    private readonly rt: Runtime,
    private readonly codec: ProtocolCodec,
    upstream: string,
    maxSockets: number,
  ) {
    this.base = new URL(upstream);
    const secure = this.base.protocol === 'https:';
    // A pool of its own: a slow shadow can never hold sockets the primary needs.
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets }) : new http.Agent({ keepAlive: true, maxSockets });
    this.request = secure ? https.request : http.request;
    this.basePath = this.base.pathname.replace(/\/+$/, '');
  }

  invoke(x: AnsweredExchange, record: boolean, timeoutMs: number): Promise<ShadowResult> {
    const t = this.rt.telemetry;
    const start = performance.now();
    let inputs = x.inputs;
    if (record) {
      t.requestStarted();
      // The primary parsed these inputs already (≈ 14 µs a request saved, bench/sidecar/shadow.ts).
      if (!inputs) {
        const parsed = this.codec.parseRequest(x.body, x.headers);
        if (parsed.ok) inputs = parsed.value;
      }
      if (inputs) t.observeInputs(inputs);
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const k in x.headers) if (!HOP_BY_HOP.has(k) && k !== 'traceparent') headers[k] = x.headers[k];
    headers.host = this.base.host;
    headers['content-length'] = x.body.length;
    return new Promise<ShadowResult>((resolve) => {
      let settled = false;
      const settle = (r: ShadowResult, status: number, bytes: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (record) {
          const seconds = (performance.now() - start) / 1000;
          t.inferenceFinished(seconds);
          t.requestFinished(r.ok ? outcomeOf(status) : Outcome.upstreamError, status, seconds, x.body.length, bytes);
        }
        resolve(r);
      };
      const up = this.request({
        protocol: this.base.protocol,
        hostname: this.base.hostname,
        port: this.base.port,
        method: x.method,
        path: this.basePath + x.url,
        headers,
        agent: this.agent,
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_SHADOW_RESPONSE_BYTES) {
            up.destroy();
            settle({ ok: false, timeout: false }, 502, size);
          } else chunks.push(c);
        });
        res.on('error', () => settle({ ok: false, timeout: false }, 502, size));
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          const body = Buffer.concat(chunks);
          let outputs: OutputBatch | undefined;
          if (status >= 200 && status < 300) {
            const out = this.codec.parseResponse(body, res.headers);
            if (out.ok) {
              outputs = out.value;
              if (record) t.observeOutputs(out.value);
            }
          }
          settle(status >= 500 ? { ok: false, timeout: false } : { ok: true, outputs, ...(inputs ? { inputs } : {}) }, status, size);
        });
      });
      const timer = setTimeout(() => {
        up.destroy();
        settle({ ok: false, timeout: true }, 504, 0);
      }, timeoutMs);
      timer.unref();
      up.on('error', () => settle({ ok: false, timeout: false }, 502, 0));
      up.end(x.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs the request on an in-process ONNX variant (requests reaching it are OIP v2 infer calls). */
export class EmbeddedShadowTarget implements ShadowTarget {
  private readonly featureNames: string[] | undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly model: OnnxModel,
  ) {
    this.featureNames = rt.config.features.length > 0 ? rt.config.features.map((f) => f.name) : model.featureNames;
  }

  async invoke(x: AnsweredExchange, record: boolean, timeoutMs: number): Promise<ShadowResult> {
    const t = this.rt.telemetry;
    const start = performance.now();
    if (record) t.requestStarted();
    const done = (r: ShadowResult, status: number): ShadowResult => {
      if (record) {
        const seconds = (performance.now() - start) / 1000;
        t.requestFinished(r.ok ? outcomeOf(status) : Outcome.internalError, status, seconds, x.body.length, 0);
      }
      return r;
    };
    const parsed = parseOipRequest(x.body, x.headers);
    if (!parsed.ok) return done({ ok: true, outputs: undefined }, 400);
    const feeds = this.model.feeds(parsed.value);
    const names = this.model.outputNames(parsed.value);
    if (!feeds.ok || !names.ok) return done({ ok: true, outputs: undefined }, 400);
    const inputs = record ? x.inputs ?? oipInputBatch(parsed.value.inputs, this.featureNames ? { featureNames: this.featureNames } : {}) : undefined;
    if (inputs) t.observeInputs(inputs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    try {
      const t0 = performance.now();
      const result = await Promise.race([this.model.run(feeds.value, names.value), timeout]);
      if (result === 'timeout') return done({ ok: false, timeout: true }, 504);
      if (record) t.inferenceFinished((performance.now() - t0) / 1000);
      const outputs = oipOutputBatch(result);
      if (record) t.observeOutputs(outputs);
      return done({ ok: true, outputs, ...(inputs ? { inputs } : {}) }, 200);
    } catch {
      return done({ ok: false, timeout: false }, 500);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {}
}

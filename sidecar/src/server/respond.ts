import type { ServerResponse } from 'node:http';
import { correlationId, ErrorReason, internalError } from '@modelwatch/core';
import type { Runtime } from './runtime.js';

const JSON_TYPE = 'application/json';

/** Writes a JSON body; returns its size in bytes (for the response size histogram). */
export function sendJson(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): number {
  const len = Buffer.byteLength(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': len, ...headers });
  res.end(body);
  return len;
}

export function sendError(res: ServerResponse, status: number, message: string, headers?: Record<string, string>): number {
  return sendJson(res, status, JSON.stringify({ error: message }), headers);
}

/**
 * Something we did not expect: answered 500 through the catalogue with a correlation id only
 * (no stack, no path), counted as request_errors_total{reason="internal"}, and logged once with
 * the same id and the stack so the operator can find it.
 */
export function internalFailure(rt: Pick<Runtime, 'log' | 'telemetry'>, res: ServerResponse, err: unknown): void {
  const id = correlationId();
  rt.telemetry.error(ErrorReason.internal);
  rt.log(`internal error ${id}: ${(err as Error)?.stack ?? String(err)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e = internalError(id);
  sendJson(res, 500, JSON.stringify({ ...e.body(), correlationId: id }));
}

import {
  correlationId,
  ErrorReason,
  InferenceErrors,
  internalError,
  ModelErrors,
  RequestErrors,
  type ErrorReasonValue,
} from '@modelwatch/core';
import type { ServerReply } from './http-types.js';
import type { Runtime } from './runtime.js';

const JSON_TYPE = 'application/json';

/** Writes a JSON body; returns its size in bytes (for the response size histogram). */
export function sendJson(res: ServerReply, status: number, body: string, headers?: Record<string, string>): number {
  const len = Buffer.byteLength(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': len, ...headers });
  res.end(body);
  return len;
}

/** Catalogue code of an answer by status, when no reason says more. */
const CODE_BY_STATUS: Record<number, string> = {
  400: RequestErrors.invalid.code,
  404: RequestErrors.notFound.code,
  405: RequestErrors.methodNotAllowed.code,
  408: RequestErrors.timeout.code,
  413: RequestErrors.bodyTooLarge.code,
  415: RequestErrors.unsupportedMediaType.code,
  500: InferenceErrors.inferenceFailed.code,
  502: InferenceErrors.upstreamFailed.code,
  503: RequestErrors.overloaded.code,
  504: InferenceErrors.upstreamTimeout.code,
};

/** Catalogue code of a counted failure reason (the `reason` label and the answer's `code` agree). */
const CODE_BY_REASON: Partial<Record<ErrorReasonValue, string>> = {
  [ErrorReason.malformedJson]: RequestErrors.malformedJson.code,
  [ErrorReason.wrongShape]: InferenceErrors.badInput.code,
  [ErrorReason.wrongDatatype]: InferenceErrors.badInput.code,
  [ErrorReason.nonFinite]: InferenceErrors.badInput.code,
  [ErrorReason.duplicateInput]: InferenceErrors.badInput.code,
  [ErrorReason.bodyTooLarge]: RequestErrors.bodyTooLarge.code,
  [ErrorReason.unknownModel]: ModelErrors.unknownModel.code,
  [ErrorReason.unknownRoute]: RequestErrors.notFound.code,
  [ErrorReason.upstreamRefused]: InferenceErrors.upstreamRefused.code,
  [ErrorReason.upstreamTimeout]: InferenceErrors.upstreamTimeout.code,
  [ErrorReason.inferenceFailed]: InferenceErrors.inferenceFailed.code,
  [ErrorReason.overloaded]: RequestErrors.overloaded.code,
  [ErrorReason.requestTimeout]: RequestErrors.timeout.code,
};

export function errorCode(status: number, reason?: ErrorReasonValue): string {
  return (reason !== undefined ? CODE_BY_REASON[reason] : undefined) ?? CODE_BY_STATUS[status] ?? RequestErrors.invalid.code;
}

/** A JSON error answer `{"error", "code"}`, the code from the catalogue (by reason, else by status). */
export function sendError(res: ServerReply, status: number, message: string, headers?: Record<string, string>, reason?: ErrorReasonValue): number {
  return sendJson(res, status, JSON.stringify({ error: message, code: errorCode(status, reason) }), headers);
}

/**
 * Something we did not expect: answered 500 through the catalogue with a correlation id only
 * (no stack, no path), counted as request_errors_total{reason="internal"}, and logged once with
 * the same id and the stack so the operator can find it.
 */
export function internalFailure(rt: Pick<Runtime, 'log' | 'telemetry'>, res: ServerReply, err: unknown): void {
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

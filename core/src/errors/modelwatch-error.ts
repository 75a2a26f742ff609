import { randomUUID } from 'node:crypto';
import { InternalErrors, type ErrorSpec } from './catalogue.js';

export type ErrorParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** The JSON body every error answer has: `{ "error": message, "code": code }` (+ correlationId on 500). */
export interface ErrorBody {
  error: string;
  code: string;
  correlationId?: string;
}

const PLACEHOLDER = /\{(\w+)\}/g;

/** Fills a template; a missing parameter renders as an empty string (never `undefined`). */
export function formatMessage(template: string, params: ErrorParams = {}): string {
  return template.replace(PLACEHOLDER, (_m, key: string) => {
    const v = params[key];
    return v === undefined ? '' : String(v);
  });
}

/**
 * An error from the catalogue. Its message is safe to show a client (it says what was wrong with
 * the request or configuration, never our internals); anything that is not a ModelwatchError is
 * internal and is answered with `internalError()` instead.
 */
export class ModelwatchError extends Error {
  override readonly name: string = 'ModelwatchError';
  readonly code: string;
  readonly status: number;
  /** The message without the code prefix, for JSON bodies. */
  readonly detail: string;

  constructor(
    readonly spec: ErrorSpec,
    readonly params: ErrorParams = {},
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    const detail = formatMessage(spec.message, params);
    super(`${spec.code}: ${detail}`, options);
    this.code = spec.code;
    this.status = spec.status;
    this.detail = detail;
  }

  body(): ErrorBody {
    return { error: this.detail, code: this.code };
  }
}

export function isModelwatchError(err: unknown): err is ModelwatchError {
  return err instanceof ModelwatchError;
}

/** A fresh correlation id for a 500: returned to the client and written in the log line. */
export function correlationId(): string {
  return randomUUID();
}

/** The error answered for anything unexpected: no stack, no path, a correlation id to find the log line. */
export function internalError(id: string = correlationId()): ModelwatchError {
  return new ModelwatchError(InternalErrors.internal, { correlationId: id });
}

/** Body of an error answer: catalogue errors as they are, anything else as an internal error. */
export function errorBody(err: unknown, id?: string): { status: number; body: ErrorBody } {
  if (err instanceof ModelwatchError) return { status: err.status, body: err.body() };
  const cid = id ?? correlationId();
  return { status: 500, body: { ...internalError(cid).body(), correlationId: cid } };
}

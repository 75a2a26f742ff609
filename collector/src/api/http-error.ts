import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  correlationId,
  errorBody,
  ModelwatchError,
  RequestErrors,
  type LogFn,
} from '@modelwatch/core';

export const notFound: RequestHandler = (req, _res, next) => {
  next(new ModelwatchError(RequestErrors.notFound, { detail: `no route ${req.method} ${req.path.slice(0, 200)}` }));
};

export interface ErrorHandlerOptions {
  maxBodyBytes: number;
  /** Rate-limited operator log. */
  log: LogFn;
  /** Counts a 500 (modelwatch_collector_internal_errors_total). */
  internalError: () => void;
}

/**
 * Turns any error into a JSON answer through the catalogue. Errors that describe the request
 * (catalogue errors, body-parser and path-decoding errors) are answered as they are; anything else
 * is internal: answered 500 with a correlation id only, counted, and logged with that id and the
 * stack so the operator can find it (the client never sees a stack or a path).
 */
export function errorHandler(opts: ErrorHandlerOptions): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = clientError(err, opts.maxBodyBytes);
    if (known) {
      if (!res.headersSent) res.set(known.headers).status(known.status).json(known.body());
      return;
    }
    const id = correlationId();
    opts.internalError();
    opts.log(`internal error ${id} on ${req.method} ${req.path.slice(0, 200)}: ${(err as Error)?.stack ?? String(err)}`);
    const { status, body } = errorBody(err, id);
    if (!res.headersSent) res.status(status).json(body);
    else res.destroy();
  };
}

/** The catalogue error a thrown value stands for, when it is about the request; else undefined. */
function clientError(err: unknown, maxBodyBytes: number): ModelwatchError | undefined {
  if (err instanceof ModelwatchError) return err;
  // Express decodes path parameters with decodeURIComponent: `%` alone is a URIError.
  if (err instanceof URIError) return new ModelwatchError(RequestErrors.badPath);
  // body-parser errors carry a `type`; their messages are about the request, not our internals.
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.too.large') return new ModelwatchError(RequestErrors.bodyTooLarge, { limit: maxBodyBytes });
  if (type === 'request.aborted' || type === 'request.size.invalid' || type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ModelwatchError(RequestErrors.unreadableBody, { detail: type });
  }
  return undefined;
}

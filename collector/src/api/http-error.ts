import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isModelwatchError } from '@modelwatch/core';

/** An error whose message is safe to show the client; everything else becomes a bare 500. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, `no route ${req.method} ${req.path}`));
};

/** Log at most one internal error per second so a failing store cannot flood the log. */
let lastLog = 0;

export function errorHandler(maxBodyBytes: number): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    if (isModelwatchError(err)) {
      res.set(err.headers).status(err.status).json(err.body());
      return;
    }
    if (err instanceof HttpError) {
      res.set(err.headers).status(err.status).json({ error: err.message });
      return;
    }
    // body-parser errors carry a `type`; their messages are about the request, not our internals.
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') {
      res.status(413).json({ error: `request body is larger than the limit of ${maxBodyBytes} bytes` });
      return;
    }
    if (type === 'request.aborted' || type === 'request.size.invalid' || type === 'encoding.unsupported') {
      res.status(400).json({ error: `unreadable request body (${type})` });
      return;
    }
    const now = Date.now();
    if (now - lastLog > 1000) {
      lastLog = now;
      console.error('modelwatch collector: internal error:', err);
    }
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  };
}

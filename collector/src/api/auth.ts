import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './http-error.js';

/**
 * Bearer-token check for writes. Both sides are hashed first so the comparison is constant-time
 * whatever the length of the presented token (timingSafeEqual needs equal lengths).
 */
export function requireToken(token: string | undefined): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  const expected = createHash('sha256').update(token).digest();
  const challenge = { 'WWW-Authenticate': 'Bearer realm="modelwatch"' };
  return (req, _res, next) => {
    const header = req.get('authorization');
    const m = header ? /^Bearer (.+)$/i.exec(header) : null;
    if (!m) return next(new HttpError(401, 'this write needs an Authorization: Bearer <token> header', challenge));
    const presented = createHash('sha256').update(m[1]).digest();
    if (!timingSafeEqual(presented, expected)) return next(new HttpError(401, 'invalid bearer token', challenge));
    next();
  };
}

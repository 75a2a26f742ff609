import type { IncomingMessage } from 'node:http';
import { FastRequest } from './http1/fast-request.js';
import type { ServerRequest } from './http-types.js';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; tooLarge: true; received: number } | { ok: false; tooLarge: false };

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading anything; a streamed body stops being read (and the connection is dropped after
 * the 413 answer) as soon as it crosses the limit, so a huge upload costs at most `limit` bytes.
 */
export function readBody(req: ServerRequest, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  // The sidecar's own server has usually read the body with the head already.
  if (req instanceof FastRequest) return req.readBody(limit, Number.isFinite(declared) ? declared : 0);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve({ ok: false, tooLarge: true, received: declared });
  }
  return readStream(req as IncomingMessage, limit);
}

function readStream(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish({ ok: false, tooLarge: true, received: size });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish({ ok: true, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size) }));
    req.once('error', () => finish({ ok: false, tooLarge: false }));
    req.once('aborted', () => finish({ ok: false, tooLarge: false }));
  });
}

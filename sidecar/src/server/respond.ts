import type { ServerResponse } from 'node:http';

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

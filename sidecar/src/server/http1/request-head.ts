import type { IncomingHttpHeaders } from 'node:http';

/** How the request's body is delimited (RFC 9112 §6). */
export const enum Framing { none, length, chunked }

/** One parsed request head: what node:http's IncomingMessage would carry, plus the framing. */
export interface RequestHead {
  method: string;
  url: string;
  /** '1.1' or '1.0' (anything else is refused as malformed). */
  httpVersion: string;
  /** Names as sent, values trimmed: [name, value, …]. */
  rawHeaders: string[];
  /** Lower-cased names, duplicates combined the way node:http combines them. */
  headers: IncomingHttpHeaders;
  framing: Framing;
  /** Declared Content-Length (framing length), else 0. */
  contentLength: number;
  /** The client lets the connection stay open after this exchange. */
  keepAlive: boolean;
  /** `Expect: 100-continue`: an interim 100 is owed before the body is read. */
  expectContinue: boolean;
  /**
   * Something this server leaves to node:http (CONNECT, an Expect other than 100-continue): the
   * connection is handed over so the behaviour stays exactly node:http's.
   */
  unusual: boolean;
}

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\x00-\x20\x7f]+) HTTP\/1\.([01])$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters other than HTAB are not allowed in a field value (RFC 9110 §5.5). */
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^\d{1,15}$/;

/**
 * Headers node:http keeps only the first of when repeated (IncomingMessage's matchKnownFields):
 * the same here, so a handler sees the same `req.headers` whichever server parsed the request.
 */
const FIRST_ONLY = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization',
  'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag',
  'last-modified', 'server', 'age', 'expires',
]);

/**
 * Parses a request head (request line and header fields, without the blank line that ends them),
 * given as a latin1 string as it came off the wire. Returns undefined for anything malformed:
 * a bad request line or version, a header name that is not a token, a control character in a
 * value, obsolete line folding, Content-Length and Transfer-Encoding together, a repeated or
 * non-numeric Content-Length, a Transfer-Encoding whose last coding is not chunked. Those are the
 * ambiguities request smuggling lives on, so they are refused rather than guessed at.
 */
export function parseRequestHead(text: string): RequestHead | undefined {
  let eol = text.indexOf('\r\n');
  const line = REQUEST_LINE.exec(eol < 0 ? text : text.slice(0, eol));
  if (!line) return undefined;
  const v11 = line[3] === '1';
  const rawHeaders: string[] = [];
  const headers: IncomingHttpHeaders = {};
  let contentLength = -1;
  let chunked = false;
  let transferEncoding = false;
  let connection: string | undefined;
  let expect: string | undefined;
  while (eol >= 0) {
    const start = eol + 2;
    eol = text.indexOf('\r\n', start);
    const field = eol < 0 ? text.slice(start) : text.slice(start, eol);
    const colon = field.indexOf(':');
    // No colon, an empty name, or a line starting with whitespace (obs-fold): malformed.
    if (colon <= 0) return undefined;
    const name = field.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const value = field.slice(colon + 1).trim();
    if (BAD_VALUE.test(value)) return undefined;
    rawHeaders.push(name, value);
    const lower = name.toLowerCase();
    switch (lower) {
      case 'content-length':
        if (contentLength >= 0 || !DIGITS.test(value)) return undefined;
        contentLength = Number(value);
        break;
      case 'transfer-encoding': {
        transferEncoding = true;
        const codings = value.toLowerCase().split(',');
        chunked = codings[codings.length - 1].trim() === 'chunked';
        break;
      }
      case 'connection':
        connection = connection === undefined ? value.toLowerCase() : `${connection}, ${value.toLowerCase()}`;
        break;
      case 'expect':
        expect = value.toLowerCase();
        break;
    }
    const prior = headers[lower];
    if (prior === undefined) headers[lower] = lower === 'set-cookie' ? [value] : value;
    else if (lower === 'set-cookie') (prior as string[]).push(value);
    else if (!FIRST_ONLY.has(lower)) headers[lower] = `${prior as string}${lower === 'cookie' ? '; ' : ', '}${value}`;
  }
  if (transferEncoding && (contentLength >= 0 || !chunked)) return undefined;
  const method = line[1];
  return {
    method,
    url: line[2],
    httpVersion: v11 ? '1.1' : '1.0',
    rawHeaders,
    headers,
    framing: chunked ? Framing.chunked : contentLength > 0 ? Framing.length : Framing.none,
    contentLength: contentLength > 0 ? contentLength : 0,
    keepAlive: connection === undefined ? v11 : hasToken(connection, v11 ? 'close' : 'keep-alive') !== v11,
    expectContinue: expect === '100-continue' && v11,
    unusual: method === 'CONNECT' || (expect !== undefined && expect !== '100-continue'),
  };
}

/** True when the comma-separated, lower-cased list holds `token`. */
function hasToken(list: string, token: string): boolean {
  if (list === token) return true;
  for (const t of list.split(',')) if (t.trim() === token) return true;
  return false;
}

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

/**
 * tchar (RFC 9110 §5.6.2) by latin1 code: the characters of a method or a header name. A table
 * look-up per character instead of a regular expression per name (and one per value): the head is
 * walked once, and only the strings the request keeps (method, url, names, values) are cut from it.
 */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

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
  const lineEnd = eol < 0 ? text.length : eol;
  // Request line: `method SP request-target SP HTTP/1.0|1.1` and nothing else (no control
  // characters, no second space, no other version).
  let i = 0;
  while (i < lineEnd && TCHAR[text.charCodeAt(i)] === 1) i++;
  if (i === 0 || text.charCodeAt(i) !== 32) return undefined;
  const urlStart = i + 1;
  let j = urlStart;
  for (; j < lineEnd; j++) {
    const c = text.charCodeAt(j);
    if (c <= 0x20 || c === 0x7f) break;
  }
  if (j === urlStart || lineEnd - j !== 9 || !text.startsWith(' HTTP/1.', j)) return undefined;
  const minor = text.charCodeAt(j + 8);
  if (minor !== 48 && minor !== 49) return undefined;
  const v11 = minor === 49;
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
    const end = eol < 0 ? text.length : eol;
    // The name runs up to the first colon and is a token: no colon, an empty name, a line starting
    // with whitespace (obs-fold) or any other character before the colon is malformed.
    let colon = start;
    while (colon < end && TCHAR[text.charCodeAt(colon)] === 1) colon++;
    if (colon === start || colon === end || text.charCodeAt(colon) !== 58) return undefined;
    const name = text.slice(start, colon);
    const value = text.slice(colon + 1, end).trim();
    // Control characters other than HTAB are not allowed in a field value (RFC 9110 §5.5).
    for (let k = 0; k < value.length; k++) {
      const c = value.charCodeAt(k);
      if ((c < 0x20 && c !== 9) || c === 0x7f) return undefined;
    }
    rawHeaders.push(name, value);
    const lower = name.toLowerCase();
    switch (lower) {
      case 'content-length':
        if (contentLength >= 0 || !digits(value)) return undefined;
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
  const method = text.slice(0, i);
  return {
    method,
    url: text.slice(urlStart, j),
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

/** 1 to 15 decimal digits and nothing else. */
function digits(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > 15) return false;
  for (let k = 0; k < n; k++) {
    const c = value.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** What String.prototype.trim removes, within latin1 (the head is decoded as latin1). */
function space(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
}

/**
 * True when the comma-separated, lower-cased list holds `token` (an element equal to it once
 * trimmed, as `list.split(',').some((t) => t.trim() === token)`), without cutting the list up.
 */
export function hasToken(list: string, token: string): boolean {
  if (list === token) return true;
  let from = 0;
  for (;;) {
    const comma = list.indexOf(',', from);
    let end = comma < 0 ? list.length : comma;
    while (from < end && space(list.charCodeAt(from))) from++;
    while (end > from && space(list.charCodeAt(end - 1))) end--;
    if (end - from === token.length && list.startsWith(token, from)) return true;
    if (comma < 0) return false;
    from = comma + 1;
  }
}

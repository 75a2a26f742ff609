import { describe, expect, it } from 'vitest';
import { Framing, parseRequestHead } from '../../../src/server/http1/request-head.js';

const head = (...lines: string[]) => parseRequestHead(lines.join('\r\n'));

describe('request head parser', () => {
  it('reads the request line, raw headers and node:http-style combined headers', () => {
    const h = head('POST /v2/models/m/infer?x=1 HTTP/1.1', 'Host: a', 'Accept: x', 'accept: y', 'Cookie: a=1', 'cookie: b=2',
      'Set-Cookie: s1', 'set-cookie: s2', 'Content-Type: application/json', 'content-type: text/plain', 'Content-Length: 12');
    expect(h).toBeDefined();
    expect(h!.method).toBe('POST');
    expect(h!.url).toBe('/v2/models/m/infer?x=1');
    expect(h!.httpVersion).toBe('1.1');
    expect(h!.rawHeaders.slice(0, 4)).toEqual(['Host', 'a', 'Accept', 'x']);
    expect(h!.headers.accept).toBe('x, y');
    expect(h!.headers.cookie).toBe('a=1; b=2');
    expect(h!.headers['set-cookie']).toEqual(['s1', 's2']);
    // Only the first of a singleton header counts, as in node:http.
    expect(h!.headers['content-type']).toBe('application/json');
    expect(h!.framing).toBe(Framing.length);
    expect(h!.contentLength).toBe(12);
    expect(h!.keepAlive).toBe(true);
  });

  it('trims optional whitespace around values', () => {
    expect(head('GET / HTTP/1.1', 'X-A: \t spaced \t')!.headers['x-a']).toBe('spaced');
  });

  it('keeps HTTP/1.1 connections open unless told to close, and HTTP/1.0 ones only when asked', () => {
    expect(head('GET / HTTP/1.1', 'Connection: close')!.keepAlive).toBe(false);
    expect(head('GET / HTTP/1.1', 'Connection: TE, Close')!.keepAlive).toBe(false);
    expect(head('GET / HTTP/1.0')!.keepAlive).toBe(false);
    expect(head('GET / HTTP/1.0', 'Connection: keep-alive')!.keepAlive).toBe(true);
  });

  it('frames chunked bodies and flags 100-continue, CONNECT and other expectations', () => {
    expect(head('POST / HTTP/1.1', 'Transfer-Encoding: gzip, chunked')!.framing).toBe(Framing.chunked);
    expect(head('POST / HTTP/1.1', 'Expect: 100-Continue', 'Content-Length: 3')!.expectContinue).toBe(true);
    expect(head('POST / HTTP/1.1', 'Expect: something-else')!.unusual).toBe(true);
    expect(head('CONNECT a:443 HTTP/1.1', 'Host: a:443')!.unusual).toBe(true);
    expect(head('GET / HTTP/1.1')!.framing).toBe(Framing.none);
  });

  it.each([
    ['a bad request line', ['GARBAGE']],
    ['a missing version', ['GET /']],
    ['HTTP/2.0 in a request line', ['GET / HTTP/2.0']],
    ['a space in the target', ['GET /a b HTTP/1.1']],
    ['a header without a colon', ['GET / HTTP/1.1', 'NoColon']],
    ['a header name that is not a token', ['GET / HTTP/1.1', 'Bad Name: x']],
    ['obsolete line folding', ['GET / HTTP/1.1', 'X-A: 1', ' folded']],
    ['a control character in a value', ['GET / HTTP/1.1', 'X-A: a\u0001b']],
    ['Content-Length with Transfer-Encoding', ['POST / HTTP/1.1', 'Content-Length: 3', 'Transfer-Encoding: chunked']],
    ['two Content-Length fields', ['POST / HTTP/1.1', 'Content-Length: 3', 'Content-Length: 3']],
    ['a non-numeric Content-Length', ['POST / HTTP/1.1', 'Content-Length: 3a']],
    ['a negative Content-Length', ['POST / HTTP/1.1', 'Content-Length: -1']],
    ['a Transfer-Encoding not ending in chunked', ['POST / HTTP/1.1', 'Transfer-Encoding: chunked, gzip']],
  ])('refuses %s', (_name, lines) => {
    expect(head(...lines)).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResponseHead } from '../../src/proxy/upstream-pool.js';
import { parseResponseHeadBefore } from './fixtures/response-head-before.js';
import { fuzz } from '../../../core/test/helpers/fuzz.js';

/**
 * The pool's answer-head parser cuts fields by index and lower-cases only the framing names
 * (docs/performance.md, "Data path"): it must read every head exactly as the split-and-regex
 * parser it replaced (kept as a fixture), hostile ones included.
 */
function same(text: string): void {
  const before = parseResponseHeadBefore(text);
  const now = parseResponseHead(text);
  if (before === undefined) expect(now).toBeUndefined();
  else if (before === 'interim') {
    expect(now).toBeDefined();
    expect(now!.status >= 100 && now!.status < 200).toBe(true);
  } else {
    expect(now).toBeDefined();
    // NaN lengths compare equal with toEqual (Object.is).
    expect(now).toEqual(before);
  }
}

const HOSTILE = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Length: 7', 'HTTP/1.1 200\r\nContent-Length: x',
  'HTTP/1.1 200 OK\r\nContent-Length:  12  ', 'HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 3', 'HTTP/1.1 200 OK\r\nContent-Length : 3',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip',
  'HTTP/1.0 200 OK\r\nConnection: Keep-Alive', 'HTTP/1.0 200 OK\r\nConnection: close', 'HTTP/1.1 200 OK\r\nConnection: Close',
  'HTTP/1.1 200 OK\r\nConnection: upgrade', 'HTTP/1.0 200 OK', 'HTTP/1.1 200', 'HTTP/1.1 20', 'HTTP/1.1 2000 x', 'HTTP/1.2 200 OK',
  'HTTP/2.0 200 OK', 'http/1.1 200 OK', 'HTTP/1.1  200 OK', 'HTTP/1.1 2a0 OK', 'HTTP/1.1 20\r\n0', 'HTTP/1.1 100 Continue',
  'HTTP/1.1 199 x\r\nContent-Length: 1', 'HTTP/1.1 204 No Content\r\n', 'HTTP/1.1 200 OK\r\n\r\n', 'HTTP/1.1 200 OK\r\n: x\r\nNoColon\r\n a: b',
  'HTTP/1.1 200 OK\r\nX: a:b\r\nY:\r\nZ: \xa0v\xa0', 'HTTP/1.1 200 OK\nContent-Length: 5', 'HTTP/1.1 200 OK\r\nX: y\nContent-Length: 5',
  'HTTP/1.1 200 OK\r\nX\r\nContent-Length: 5', '', 'HTTP/1.', ' HTTP/1.1 200 OK',
];

describe('upstream answer-head parser, against the one it replaced', () => {
  it('reads hostile heads (repeated or odd lengths, codings, bare LF, lines without names, bad status lines) the same way', () => {
    for (const text of HOSTILE) same(text);
  });

  it('reads every random head the same way', async () => {
    const ch = fc.constantFrom('a', 'Z', '-', ':', ' ', '\t', '\r', '\n', '\r\n', '1', 'chunked', 'close', 'keep-alive', '\xa0', '\xe9');
    const word = fc.array(ch, { maxLength: 10 }).map((a) => a.join(''));
    const name = fc.oneof(word, fc.constantFrom('Content-Length', 'content-length', 'Transfer-Encoding', 'transfer-encoding', 'Connection', 'CONNECTION', 'Keep-Alive', 'X-Long-Name-Here'));
    const value = fc.oneof(word, fc.constantFrom('5', ' 12 ', 'x', 'chunked', 'gzip, chunked', 'close', 'keep-alive', 'Keep-Alive'), fc.string({ unit: 'binary', maxLength: 12 }));
    const field = fc.oneof(fc.tuple(name, fc.constantFrom(':', ': ', ' :'), value).map(([n, s, v]) => n + s + v), word);
    const status = fc.oneof(
      fc.tuple(fc.constantFrom('HTTP/1.1 ', 'HTTP/1.0 ', 'HTTP/1.2 ', 'HTTP/1.1', 'http/1.1 '), fc.constantFrom('200', '204', '304', '100', '101', '500', '2x0', '20'), fc.constantFrom(' OK', '', ' \r', 'x')).map((p) => p.join('')),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    const text = fc.tuple(status, fc.array(fc.tuple(fc.constantFrom('\r\n', '\r\n', '\r\n', '\n'), field), { maxLength: 6 })).map(([l, fs]) => l + fs.map(([a, b]) => a + b).join(''));
    let read = 0;
    await fuzz('response head old vs new', text, (t) => {
      same(t);
      if (typeof parseResponseHeadBefore(t) === 'object') read++;
    }, 20_000);
    expect(read).toBeGreaterThan(1_000);
    expect(read).toBeLessThan(19_000);
  });
});

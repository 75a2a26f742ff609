import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasToken, parseRequestHead } from '../../../src/server/http1/request-head.js';
import { parseRequestHead as parseBefore } from './fixtures/request-head-before.js';
import { fuzz } from '../../../../core/test/helpers/fuzz.js';

/**
 * The head parser walks the head by character table instead of running regular expressions per
 * line (docs/performance.md, "Data path"): it must decide exactly as the regex-based parser it
 * replaced (kept as a fixture) on every head, hostile ones above all, and produce the same head.
 */
const same = (text: string) => expect(parseRequestHead(text)).toEqual(parseBefore(text));

const HOSTILE = [
  'POST /v2/models/m/infer HTTP/1.1\r\nHost: a\r\nContent-Length: 5',
  'POST /v2/models/m/infer HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5',
  'POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 6',
  'POST / HTTP/1.1\r\nContent-Length: +5', 'POST / HTTP/1.1\r\nContent-Length: 0x5', 'POST / HTTP/1.1\r\nContent-Length: 5 5',
  'POST / HTTP/1.1\r\nContent-Length: 1234567890123456', 'POST / HTTP/1.1\r\nContent-Length: 123456789012345',
  'POST / HTTP/1.1\r\nContent-Length:', 'POST / HTTP/1.1\r\nContent-Length: \u0665',
  'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip',
  'POST / HTTP/1.1\r\nTransfer-Encoding: gzip ,  CHUNKED ', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked',
  'GET / HTTP/1.1\r\nX-A: b\r\n folded', 'GET / HTTP/1.1\r\n\tfolded: x', 'GET / HTTP/1.1\r\nX-A : b', 'GET / HTTP/1.1\r\n: b',
  'GET / HTTP/1.1\r\nNoColon', 'GET / HTTP/1.1\r\nX(A): b', 'GET / HTTP/1.1\r\nX-A: b\nX-B: c', 'GET / HTTP/1.1\nHost: a',
  'GET / HTTP/1.1\r\nX-A: b\n', 'GET / HTTP/1.1\r\nX-A: b\r', 'GET / HTTP/1.1\r\nX-A: \x0bb\x0c', 'GET / HTTP/1.1\r\nX-A: b\x00c',
  'GET / HTTP/1.1\r\nX-A: b\x7fc', 'GET / HTTP/1.1\r\nX-A: \xa0b\xa0', 'GET / HTTP/1.1\r\nX-A: \x85b\x85', 'GET / HTTP/1.1\r\nX-A: b\tc',
  'GET / HTTP/1.1\r\n', 'GET / HTTP/1.1\r\n\r\n', 'GET / HTTP/1.1', 'GET / HTTP/1.0', 'GET / HTTP/1.2', 'GET / HTTP/2.0',
  'GET / http/1.1', 'GET  / HTTP/1.1', 'GET / HTTP/1.1 ', ' GET / HTTP/1.1', 'GET /\x7f HTTP/1.1', 'GET /\xe9 HTTP/1.1',
  'GET /a b HTTP/1.1', 'G(T / HTTP/1.1', 'GET\t/ HTTP/1.1', 'GET / HTTP/1.1\r', 'GET', '', ' ', 'GET /', 'GET / ', 'GET / HTTP/1.',
  'CONNECT a:1 HTTP/1.1', 'POST / HTTP/1.1\r\nExpect: 100-continue', 'POST / HTTP/1.0\r\nExpect: 100-Continue', 'POST / HTTP/1.1\r\nExpect: x',
  'GET / HTTP/1.1\r\nConnection: keep-alive, close', 'GET / HTTP/1.1\r\nConnection: Close', 'GET / HTTP/1.1\r\nConnection: closed',
  'GET / HTTP/1.1\r\nConnection: ,close,', 'GET / HTTP/1.1\r\nConnection: upgrade\r\nConnection:  close ', 'GET / HTTP/1.0\r\nConnection: Keep-Alive',
  'GET / HTTP/1.0\r\nConnection: x,\xa0keep-alive\xa0', 'GET / HTTP/1.0\r\nConnection: \x0bkeep-alive',
  'GET / HTTP/1.1\r\nSet-Cookie: a\r\nset-cookie: b\r\nCookie: c\r\ncookie: d\r\nHost: h\r\nhost: i\r\nAccept: 1\r\naccept: 2',
  'GET / HTTP/1.1\r\n__proto__: x\r\nconstructor: y\r\ntoString: z', 'GET / HTTP/1.1\r\nX-\u0100: b', 'GET /\u0100 HTTP/1.1',
];

describe('request head parser, against the regex-based parser it replaced', () => {
  it('decides the hostile heads (duplicate lengths, obs-fold, bare LF/CR, control characters, bad request lines) the same way', () => {
    for (const text of HOSTILE) same(text);
  });

  it('decides every random head the same way', async () => {
    const anyChar = fc.constantFrom(...'!#$%&\'*+-.^_`|~09AZaz'.split(''), ' ', ':', '\t', '(', ',', '\r', '\n', '\x00', '\x7f', '\xa0', '\xe9');
    const word = fc.array(anyChar, { maxLength: 12 }).map((a) => a.join(''));
    const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
    const name = fc.oneof(
      { arbitrary: token, weight: 4 },
      { arbitrary: fc.constantFrom('Content-Length', 'content-length', 'Transfer-Encoding', 'Connection', 'Expect', 'Set-Cookie', 'Cookie', 'Host'), weight: 3 },
      { arbitrary: word, weight: 1 },
    );
    const value = fc.oneof(
      { arbitrary: fc.stringMatching(/^[ -~\t\xa0-\xff]{0,20}$/), weight: 4 },
      { arbitrary: fc.constantFrom('5', ' 12 ', '0', 'chunked', 'gzip, chunked', 'close', 'keep-alive', '100-continue', 'Keep-Alive, Upgrade'), weight: 4 },
      { arbitrary: word, weight: 1 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
    );
    const field = fc.oneof(
      { arbitrary: fc.tuple(name, fc.constantFrom(':', ': ', ': ', ' :', ':\t'), value).map(([n, s, v]) => `${n}${s}${v}`), weight: 12 },
      { arbitrary: word, weight: 1 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
    );
    const part = <T>(good: T[], bad: T[]) => fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 6 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
    const line = fc.oneof(
      { arbitrary: fc.tuple(part(['GET', 'POST', 'HEAD', 'CONNECT'], ['P(ST', '']), part([' '], ['  ', '\t']), part(['/', '/v2/models/m/infer?x=1', '/\xff'], ['/a b', '/\x7f', '']),
        part([' HTTP/1.1', ' HTTP/1.0'], [' HTTP/1.2', ' HTTP/1.1 ', ' http/1.1', 'HTTP/1.1', ''])).map((p) => p.join('')), weight: 8 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
    );
    const sep = fc.constantFrom('\r\n', '\r\n', '\r\n', '\r\n', '\r\n', '\r\n', '\n', '\r');
    const text = fc.tuple(line, fc.array(fc.tuple(sep, field), { maxLength: 6 })).map(([l, fs]) => l + fs.map(([s, f]) => s + f).join(''));
    let parsed = 0;
    await fuzz('request head old vs new', text, (t) => {
      same(t);
      if (parseBefore(t) !== undefined) parsed++;
    }, 20_000);
    // The generator reaches both sides of every decision: many heads parse, many are refused.
    expect(parsed).toBeGreaterThan(1_000);
    expect(parsed).toBeLessThan(19_000);
  });

  it('finds a token in a connection list as split-and-trim does', async () => {
    const list = fc.array(fc.constantFrom('close', 'keep-alive', ' ', ',', '\t', '\xa0', '\x0b', 'x', 'clos', 'closee', '\x85'), { maxLength: 10 }).map((a) => a.join(''));
    await fuzz('hasToken', fc.tuple(list, fc.constantFrom('close', 'keep-alive')), ([l, t]) => {
      expect(hasToken(l, t)).toBe(l.split(',').some((x) => x.trim() === t));
    }, 5_000);
  });
});

import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { parseRequestHead } from '../../src/server/http1/request-head.js';
import { fuzz } from '../../../core/test/helpers/fuzz.js';

/**
 * Hostile bytes to the sidecar's own HTTP/1.1 server: the head parser returns a head or undefined,
 * never throws; over a real socket, whatever a client sends is answered with an HTTP status line or
 * the connection is closed, within the timeouts, and the server goes on serving.
 */
const token = fc.stringMatching(/^[A-Za-z-]{1,12}$/);
const fieldLine = fc.oneof(
  fc.tuple(token, fc.string({ maxLength: 30 })).map(([n, v]) => `${n}: ${v}`),
  fc.constantFrom('Content-Length: 5', 'Content-Length: -1', 'Content-Length: 99999999999999999999', 'Transfer-Encoding: chunked',
    'Transfer-Encoding: gzip', 'Connection: close', 'Expect: 100-continue', 'Expect: x', ' folded', 'NoColon', ': empty', 'Host: x'),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
const requestLine = fc.oneof(
  fc.constantFrom('POST /v2/models/m/infer HTTP/1.1', 'GET /healthz HTTP/1.1', 'GET /metrics HTTP/1.0', 'CONNECT a:1 HTTP/1.1', 'POST /v2/models/m/infer HTTP/2.0', 'GET  / HTTP/1.1', ''),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const head = fc.tuple(requestLine, fc.array(fieldLine, { maxLength: 6 })).map(([l, fields]) => [l, ...fields].join('\r\n'));

describe('own HTTP/1.1 server against hostile input', () => {
  let upstream: Server;
  let sc: RunningSidecar;
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{"model_name":"m","outputs":[]}'));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    sc = await startSidecar({
      upstream: `http://127.0.0.1:${(upstream.address() as { port: number }).port}`, protocol: 'oip', name: 'm', port: 0,
      limits: { headersTimeoutMs: 200, bodyTimeoutMs: 200 },
    }, { log: () => {}, defaultMetrics: false });
  });
  afterAll(async () => {
    await sc.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('parses or refuses any head without throwing', async () => {
    await fuzz('request head', head, (text) => {
      const h = parseRequestHead(text);
      if (h) expect(h.rawHeaders.length % 2).toBe(0);
    }, 2000);
  });

  it('answers or closes on any bytes a client sends, and keeps serving', async () => {
    const bytes = fc.tuple(head, fc.constantFrom('\r\n\r\n', '\r\n', ''), fc.string({ unit: 'binary', maxLength: 60 }));
    await fuzz('bytes on a socket', bytes, async ([h, sep, rest]) => {
      const reply = await new Promise<string>((resolve) => {
        const s = connect(sc.port, '127.0.0.1', () => s.end(Buffer.from(`${h}${sep}${rest}`, 'latin1')));
        let data = '';
        s.on('data', (d) => (data += d.toString('latin1')));
        s.on('error', () => {});
        s.on('close', () => resolve(data));
      });
      if (reply !== '') expect(reply).toMatch(/^HTTP\/1\.1 \d{3} /);
    }, 60);
    const res = await fetch(`${sc.url}/healthz`);
    expect(res.status).toBe(200);
  }, 60_000);
});

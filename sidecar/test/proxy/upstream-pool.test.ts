import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamPool } from '../../src/proxy/upstream-pool.js';

/** A real TCP server that answers each request with the bytes `reply` returns, split as given. */
async function rawServer(reply: (request: string, n: number) => { parts: string[]; close?: boolean }): Promise<{ port: number; connections: () => number; closeIdle(): Promise<void>; close(): Promise<void> }> {
  let connections = 0;
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.on('data', async (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: (\d+)/i.exec(buf)?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      const request = buf;
      buf = '';
      const { parts, close } = reply(request, n++);
      for (const p of parts) {
        s.write(p);
        await new Promise((r) => setImmediate(r)); // separate TCP segments
      }
      if (close) s.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    /** Ends every connection and resolves once the client side has closed them too. */
    closeIdle: async () => {
      for (const s of sockets) s.end();
      while (sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
    },
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

interface Answer { status?: number; headers?: string[]; body: string; error?: string }

function call(pool: UpstreamPool, head = 'POST /x HTTP/1.1\r\nhost: up\r\ncontent-length: 2\r\n\r\n', body = Buffer.from('{}')): Promise<Answer> {
  return new Promise((resolve) => {
    const a: Answer = { body: '' };
    pool.request(head, body, false, {
      head: (status, headers) => Object.assign(a, { status, headers }),
      data: (c) => (a.body += c.toString()),
      end: () => resolve(a),
      error: (code) => resolve({ ...a, error: code }),
    });
  });
}

describe('UpstreamPool (raw HTTP/1.1 client of the proxy hop)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });
  const setup = async (reply: Parameters<typeof rawServer>[0]) => {
    const srv = await rawServer(reply);
    const pool = new UpstreamPool('127.0.0.1', srv.port);
    cleanup.push(() => pool.close(), () => srv.close());
    return { srv, pool };
  };

  it('reads a Content-Length answer split across segments and reuses the connection', async () => {
    const { srv, pool } = await setup(() => ({ parts: ['HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-len', 'gth: 11\r\n\r\n{"a":', '12345}'] }));
    expect(await call(pool)).toEqual({ status: 200, headers: ['content-type', 'application/json', 'content-length', '11'], body: '{"a":12345}' });
    expect((await call(pool)).body).toBe('{"a":12345}');
    expect(srv.connections()).toBe(1);
  });

  it('decodes a chunked answer, chunk sizes and CRLFs split anywhere, trailers included', async () => {
    const { pool } = await setup(() => ({ parts: ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r', '\nhello\r\n6\r\n wor', 'ld\r\n0\r\nx-trailer: 1\r', '\n\r\n'] }));
    expect((await call(pool)).body).toBe('hello world');
    expect((await call(pool)).body).toBe('hello world');
  });

  it('skips a 100 Continue before the real answer', async () => {
    const { pool } = await setup(() => ({ parts: ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok'] }));
    expect(await call(pool)).toMatchObject({ status: 201, body: 'ok' });
  });

  it('reads until close when the answer has no length, and does not reuse that connection', async () => {
    const { srv, pool } = await setup(() => ({ parts: ['HTTP/1.0 200 OK\r\n\r\nall ', 'of it'], close: true }));
    expect(await call(pool)).toEqual({ status: 200, headers: [], body: 'all of it' });
    expect((await call(pool)).body).toBe('all of it');
    expect(srv.connections()).toBe(2);
  });

  it('opens a new connection after the upstream answers "connection: close"', async () => {
    const { srv, pool } = await setup(() => ({ parts: ['HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\na'] }));
    expect((await call(pool)).body).toBe('a');
    expect((await call(pool)).body).toBe('a');
    expect(srv.connections()).toBe(2);
  });

  it('reports ECONNRESET when the upstream closes mid-answer, and ECONNREFUSED when nothing listens', async () => {
    const { pool } = await setup(() => ({ parts: ['HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial'], close: true }));
    expect((await call(pool)).error).toBe('ECONNRESET');
    const closedPool = new UpstreamPool('127.0.0.1', 1);
    expect((await call(closedPool)).error).toBe('ECONNREFUSED');
  });

  it('forgets a keep-alive connection the upstream closed while idle, and calls on a new one', async () => {
    const { srv, pool } = await setup(() => ({ parts: ['HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\na'] }));
    expect((await call(pool)).body).toBe('a');
    // The upstream's idle timeout: it closes without a word after answering.
    await srv.closeIdle();
    expect(await call(pool)).toMatchObject({ status: 200, body: 'a' });
    expect(srv.connections()).toBe(2);
  });

  it('refuses a malformed status line with EBADRESPONSE', async () => {
    const { pool } = await setup(() => ({ parts: ['SMTP ready\r\n\r\n'] }));
    expect((await call(pool)).error).toBe('EBADRESPONSE');
  });

  it('refuses status lines that are not HTTP/1.0 or 1.1 with a three-digit code', async () => {
    for (const line of ['HTTP/2.0 200 OK', 'HTTP/1.1 2x0 OK', 'HTTP/1.1  200 OK', 'HTTP/1.120 OK', 'HTTP/1.1 20']) {
      const { pool } = await setup(() => ({ parts: [`${line}\r\ncontent-length: 1\r\n\r\na`] }));
      expect((await call(pool)).error, line).toBe('EBADRESPONSE');
    }
  });

  it('reads the framing headers whatever their case and spacing, keeps every header as sent, skips lines without a name', async () => {
    const { srv, pool } = await setup(() => ({
      parts: ['HTTP/1.1 200 OK\r\nX-Model: a:b\r\nno colon here\r\n: empty name\r\nContent-LENGTH:   3  \r\nConnection: Keep-Alive\r\n\r\nabc'],
    }));
    expect(await call(pool)).toEqual({ status: 200, headers: ['X-Model', 'a:b', 'Content-LENGTH', '3', 'Connection', 'Keep-Alive'], body: 'abc' });
    expect((await call(pool)).body).toBe('abc');
    expect(srv.connections()).toBe(1);
  });

  it('keeps an HTTP/1.0 answer\'s connection only when it says keep-alive', async () => {
    const { srv, pool } = await setup((_req, n) => ({ parts: [`HTTP/1.0 200 OK\r\n${n < 2 ? 'connection: keep-alive\r\n' : ''}content-length: 1\r\n\r\na`], close: n >= 2 }));
    expect((await call(pool)).body).toBe('a');
    expect((await call(pool)).body).toBe('a');
    expect(srv.connections()).toBe(1);
    expect((await call(pool)).body).toBe('a');
    expect((await call(pool)).body).toBe('a');
    expect(srv.connections()).toBe(2);
  });

  it('decodes a chunked answer announced as "Transfer-Encoding: gzip, Chunked"', async () => {
    const { pool } = await setup(() => ({ parts: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'] }));
    expect((await call(pool)).body).toBe('ok');
  });
});

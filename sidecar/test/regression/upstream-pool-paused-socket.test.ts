import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { UpstreamPool, type UpstreamControl } from '../../src/proxy/upstream-pool.js';

/**
 * Found while reviewing plumb13 (present before it too). ProxyCall.data pauses the upstream
 * socket when the client's side is full (res.write false) and resumes it on the client's
 * 'drain'. A chunked answer whose last data chunk meets a full client ends in the same read: the
 * exchange completes and the socket goes back to the pool still paused. The pool hands out the
 * most recently used socket first, so the next call is written on it and its answer is not read
 * until that earlier slow client drains (never, if it stalls): the call runs into its time-out.
 */
const ANSWER = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';
const server = net.createServer((s) => {
  s.on('error', () => {}); // the pool's close() resets its connections
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (let end = buf.indexOf('\r\n\r\n'); end >= 0 && buf.length >= end + 6; end = buf.indexOf('\r\n\r\n')) {
      buf = buf.slice(end + 6); // every request carries a 2-byte body
      s.write(ANSWER);
    }
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('upstream pool and back-pressure', () => {
  it('does not hand out a socket left paused by the previous call\'s slow client', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const pool = new UpstreamPool('127.0.0.1', (server.address() as net.AddressInfo).port);
    const head = 'POST /x HTTP/1.1\r\nhost: up\r\ncontent-length: 2\r\n\r\n';
    try {
      // A call whose client is full on every chunk and never drains: it pauses, as ProxyCall.data does.
      await new Promise<void>((resolve) => {
        let control: UpstreamControl | undefined = undefined;
        control = pool.request(head, Buffer.from('{}'), false, {
          head: () => {},
          data: () => control!.pause(),
          end: () => resolve(),
          error: () => resolve(),
        });
      });
      const next = new Promise<string>((resolve) => {
        pool.request(head, Buffer.from('{}'), false, { head: () => {}, data: () => {}, end: () => resolve('answered'), error: (code) => resolve(code) });
      });
      const outcome = await Promise.race([next, new Promise((r) => setTimeout(() => r('not read after 1 s: the socket is still paused'), 1_000))]);
      expect(outcome).toBe('answered');
    } finally {
      pool.close();
    }
  });
});

import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { UpstreamPool } from '../../src/proxy/upstream-pool.js';

/**
 * Found while reviewing plumb13 (present before it too: the wait queue's logic is unchanged).
 * A queued call that is aborted (its time-out fired while it waited for a socket) stays in the
 * pool's wait queue. When a socket frees, release() takes that dead entry, whose start() does
 * nothing, and parks the socket idle: the next live call in the queue is not started, although a
 * socket is free, until another socket happens to free (at the end of a burst: never, so it runs
 * into its own time-out, a 504 with the model server idle).
 */
const ANSWER = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
let held: net.Socket[] = [];
const server = net.createServer((s) => {
  s.on('error', () => {}); // the pool's close() resets its connections
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    while (buf.includes('\r\n\r\n')) {
      const end = buf.indexOf('\r\n\r\n') + 4 + 2; // every request carries a 2-byte body
      if (buf.length < end) return;
      const req = buf.slice(0, end);
      buf = buf.slice(end);
      // `/slow` is answered when the test says so; the rest at once.
      if (req.startsWith('POST /slow')) held.push(s);
      else s.write(ANSWER);
    }
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function request(pool: UpstreamPool, path: string): { done: Promise<string>; abort(): void } {
  let abort = () => {};
  const done = new Promise<string>((resolve) => {
    const control = pool.request(`POST ${path} HTTP/1.1\r\nhost: up\r\ncontent-length: 2\r\n\r\n`, Buffer.from('{}'), false, {
      head: () => {},
      data: () => {},
      end: () => resolve('answered'),
      error: (code) => resolve(code),
    });
    abort = () => control.abort();
  });
  return { done, abort: () => abort() };
}

describe('upstream pool wait queue', () => {
  it('starts the next live waiter when the entry ahead of it was aborted while waiting', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const pool = new UpstreamPool('127.0.0.1', (server.address() as net.AddressInfo).port, 1, 10);
    try {
      const first = request(pool, '/slow');
      const timedOut = request(pool, '/fast'); // waits: the one socket is busy
      const live = request(pool, '/fast'); // waits behind it
      await new Promise<void>((r) => {
        const poll = () => (held.length > 0 ? r() : setTimeout(poll, 5));
        poll();
      });
      timedOut.abort(); // as ProxyCall.timedOut does
      held.shift()!.write(ANSWER); // the socket frees
      expect(await first.done).toBe('answered');
      const outcome = await Promise.race([live.done, new Promise((r) => setTimeout(() => r('still waiting after 1 s, a socket idle'), 1_000))]);
      expect(outcome).toBe('answered');
    } finally {
      pool.close();
      held = [];
    }
  });
});

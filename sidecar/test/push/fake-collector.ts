import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PushedWindow } from '@modelwatch/core';

/**
 * A real HTTP server speaking the collector's window endpoint: dedupes on (source, seq) like the
 * collector does, can be taken down and brought back on the same port, and can be told to lose
 * its answers (record the window, then answer 500) to exercise retries.
 */
export interface FakeCollector {
  url: string;
  accepted: PushedWindow[];
  requests: { path: string; auth: string | undefined }[];
  duplicates: number;
  /** Answer the next n requests with this status after recording them (500 = lost ack). */
  failNext(n: number, status: number, record: boolean): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeCollector(): Promise<FakeCollector> {
  const accepted: PushedWindow[] = [];
  const requests: { path: string; auth: string | undefined }[] = [];
  const seen = new Set<string>();
  let failures: { n: number; status: number; record: boolean } = { n: 0, status: 500, record: false };
  const state = { duplicates: 0 };
  let server: Server | undefined;
  let port = 0;

  const listen = () => new Promise<void>((resolve, reject) => {
    const s = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ path: req.url ?? '', auth: req.headers.authorization });
        const w = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PushedWindow;
        const key = `${w.source}/${w.seq}`;
        const failing = failures.n > 0;
        if (failing) failures.n -= 1;
        if (!failing || failures.record) {
          if (seen.has(key)) state.duplicates += 1;
          else {
            seen.add(key);
            accepted.push(w);
          }
        }
        res.writeHead(failing ? failures.status : 202, { 'content-type': 'application/json' });
        res.end(failing ? '{"error":"injected"}' : JSON.stringify({ status: 'accepted' }));
      });
    });
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      port = (s.address() as AddressInfo).port;
      server = s;
      resolve();
    });
  });
  const down = () => new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
    server = undefined;
  });

  await listen();
  return {
    get url() { return `http://127.0.0.1:${port}`; },
    accepted,
    requests,
    get duplicates() { return state.duplicates; },
    failNext(n, status, record) { failures = { n, status, record }; },
    down,
    up: listen,
    close: down,
  };
}

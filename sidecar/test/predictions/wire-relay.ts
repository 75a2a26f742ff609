import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP relay between a sidecar and the collector: keeps every request body that passed
 * (what went over the wire) and can be switched down (connections refused by answering 503 with
 * nothing forwarded) to play a collector outage.
 */
export interface WireRelay {
  url: string;
  bodies: { path: string; body: string }[];
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startWireRelay(target: string): Promise<WireRelay> {
  const bodies: { path: string; body: string }[] = [];
  let down = false;
  const t = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push({ path: req.url ?? '', body: body.toString('utf8') });
      if (down) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"collector down"}');
        return;
      }
      const up = request({ hostname: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        ures.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    setDown: (d) => {
      down = d;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

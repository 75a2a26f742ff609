import { createServer, type Server } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { inferBody } from '../runtime/fixtures/model.js';
import { RawClient } from '../server/http1/fixtures/raw-client.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Review of plumb13: ProxyHandler.match remembers routes per path and says "≤ 64 KiB in all"
 * (256 paths of ≤ 256 characters). The paths it is given are slices of the whole request head
 * text (fast-connection.ts cuts `url` from it), and V8 keeps a sliced string's parent alive, so
 * each remembered path holds its head: up to 256 × http.maxHeaderSize (16 KiB) ≈ 4 MiB that
 * no request needs any more.
 */
const ANSWER = JSON.stringify({ model_name: 'm', outputs: [{ name: 'y', shape: [1, 2], datatype: 'FP32', data: [0.8, 0.2] }] });
let upstream: Server;
let sc: RunningSidecar;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) });
      res.end(ANSWER);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  sc = await startSidecar({ upstream: `http://127.0.0.1:${(upstream.address() as { port: number }).port}`, protocol: 'oip', name: 'm', port: 0 }, { log: () => {}, defaultMetrics: false });
});
afterAll(async () => {
  await sc.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

describe('the proxy route cache', () => {
  it('does not keep the request heads of the paths it remembers alive', async () => {
    const body = inferBody([[1, 2, 3]]);
    const pad = 'a'.repeat(15_000);
    const c = new RawClient(sc.port);
    const call = async (path: string) => {
      await c.send(`POST ${path} HTTP/1.1\r\nHost: x\r\nX-Pad: ${pad}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      expect((await c.answer()).status).toBe(200);
    };
    // Warm: the connection, the pool, the metric series exist before the measurement.
    for (let k = 0; k < 10; k++) await call('/v2/models/m/infer');
    const before = heapAfterGc();
    // 120 distinct paths (the table, 256 paths, is not cleared), 15 KiB heads.
    for (let k = 0; k < 120; k++) await call(`/v2/models/m/versions/v${k}/infer`);
    c.destroy();
    const grown = heapAfterGc() - before;
    // Without the heads: ~0.4 MiB here (warm-up, code; measured with the keys copied); with them ~2.2 MiB.
    expect(grown).toBeLessThan(1024 * 1024);
  });
});

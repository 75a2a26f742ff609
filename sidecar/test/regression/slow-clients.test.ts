import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { sample, until } from '../runtime/fixtures/http.js';
import { inferBody } from '../runtime/fixtures/model.js';

/**
 * Issue 12, item 7: a slow body held a connection for 319 s; header and body timeouts answered 400
 * instead of 408; CONNECT had its connection dropped without an answer; nothing capped
 * connections, and a saturated sidecar had no overload answer (503 with Retry-After).
 */
let upstream: Server;
const held: ServerResponse[] = [];
let sc: RunningSidecar;

beforeAll(async () => {
  // A model server that holds every call until the test releases it.
  upstream = createServer((req: IncomingMessage, res) => {
    req.resume();
    if (req.url?.includes('/infer')) held.push(res);
    else res.end('{}');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  sc = await startSidecar({
    upstream: url, protocol: 'oip', name: 'm', port: 0,
    limits: { headersTimeoutMs: 300, bodyTimeoutMs: 300, maxInFlight: 2, maxConnections: 4 },
  }, { log: () => {}, defaultMetrics: false });
});
afterAll(async () => {
  for (const r of held.splice(0)) r.end('{}');
  await sc.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

/** Writes `text` on a raw connection and resolves with everything read until the server closes it. */
function raw(text: string): Promise<{ data: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const s = connect(sc.port, '127.0.0.1', () => s.write(text));
    let data = '';
    s.on('data', (d) => (data += String(d)));
    s.on('error', reject);
    s.on('close', () => resolve({ data, ms: Date.now() - t0 }));
  });
}

const metrics = async () => sc.telemetry.metrics();
const bodyOf = (data: string) => JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4));

describe('slow and greedy clients', () => {
  it('answers 408 with a catalogue error when the headers are too slow', async () => {
    const { data, ms } = await raw('POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\n');
    expect(data).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(data).code).toBe('MW_ERR_REQUEST_TIMEOUT');
    expect(ms).toBeLessThan(5_000);
  });

  it('answers 408 and frees the connection when the body is too slow', async () => {
    const before = sample(await metrics(), 'modelwatch_request_errors_total', { reason: 'request_timeout' }) ?? 0;
    const { data, ms } = await raw('POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nContent-Length: 100\r\n\r\n{"inp');
    expect(data).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(5_000);
    await until(async () => (sample(await metrics(), 'modelwatch_request_errors_total', { reason: 'request_timeout' }) ?? 0) > before);
    await until(async () => sample(await metrics(), 'modelwatch_requests_in_flight') === 0);
  });

  it('answers CONNECT with 405 instead of dropping the connection', async () => {
    const { data } = await raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(data).toMatch(/^HTTP\/1\.1 405 /);
    expect(bodyOf(data).code).toBe('MW_ERR_REQUEST_CONNECT');
  });

  it('answers 503 with Retry-After once the in-flight cap is reached, and counts it', async () => {
    const call = () => fetch(`${sc.url}/v2/models/m/infer`, { method: 'POST', body: inferBody([[1, 2, 3]]), headers: { 'content-type': 'application/json' } });
    const first = [call(), call()];
    await until(() => held.length === 2);
    const refused = await call();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { code: string }).code).toBe('MW_ERR_REQUEST_OVERLOADED');
    expect(sample(await metrics(), 'modelwatch_request_errors_total', { reason: 'overloaded' })).toBe(1);
    for (const r of held.splice(0)) r.end(JSON.stringify({ model_name: 'm', outputs: [{ name: 'y', shape: [1], datatype: 'FP32', data: [1] }] }));
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('closes idle keep-alive connections to make room for new clients', async () => {
    const idle: Socket[] = [];
    const closed: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const s = connect(sc.port, '127.0.0.1');
      const index = i;
      closed.push(false);
      s.on('close', () => (closed[index] = true));
      s.on('error', () => {});
      await new Promise<void>((resolve) => {
        s.once('data', () => resolve());
        s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      idle.push(s);
    }
    const res = await fetch(`${sc.url}/healthz`);
    expect(res.status).toBe(200);
    await until(() => closed.some(Boolean));
    for (const s of idle) s.destroy();
  });
});

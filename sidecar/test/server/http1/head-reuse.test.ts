import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { inferBody } from '../../runtime/fixtures/model.js';
import { RawClient } from './fixtures/raw-client.js';
import { startOtlpReceiver } from '../../tracing/fixtures/otlp-receiver.js';

/**
 * A connection reuses the parse of a head that repeats the previous one byte for byte (keep-alive
 * clients send the same head call after call): every call must still reach the model server with
 * its own head, whether it repeats, differs in one field or one byte of the path, or comes back to
 * an earlier one, and each is answered and counted.
 */
const ANSWER = JSON.stringify({ model_name: 'm', outputs: [{ name: 'y', shape: [1, 2], datatype: 'FP32', data: [0.8, 0.2] }] });
let upstream: Server;
const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
let sc: RunningSidecar;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
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

const call = (fields: string, body: string, path = '/v2/models/m/infer?a=1') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${fields}\r\n${body}`;

describe('a head repeated on a keep-alive connection', () => {
  it('forwards every call with its own head, repeated, changed or back to an earlier one', async () => {
    const one = inferBody([[1, 2, 3]]);
    const other = inferBody([[4, 5, 6]]); // same size as `one`: the same Content-Length
    const longer = inferBody([[1.5, 2.5, 3.5]]);
    const steps = [
      { fields: 'X-Tag: a\r\n', body: one },
      { fields: 'X-Tag: a\r\n', body: other },
      { fields: 'X-Tag: a\r\n', body: one },
      { fields: 'X-Tag: b\r\n', body: one },
      { fields: 'X-Tag: b\r\nTraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n', body: other },
      { fields: 'X-Tag: a\r\n', body: longer },
      { fields: 'X-Tag: a\r\n', body: one, path: '/v2/models/m/infer?a=2' },
      { fields: 'X-Tag: a\r\n', body: one },
    ];
    const c = new RawClient(sc.port);
    const before = seen.length;
    for (const s of steps) {
      await c.send(call(s.fields, s.body, s.path));
      const a = await c.answer();
      expect(a.status).toBe(200);
    }
    c.destroy();
    // The sidecar's readiness probe calls the model server too: only the inference calls count here.
    const got = seen.slice(before).filter((x) => x.url.includes('/infer'));
    expect(got).toHaveLength(steps.length);
    steps.forEach((s, i) => {
      expect(got[i].url).toBe(s.path ?? '/v2/models/m/infer?a=1');
      expect(got[i].headers['x-tag']).toBe(s.fields.slice(7, 8));
      expect(got[i].headers['content-length']).toBe(String(Buffer.byteLength(got[i].body)));
      // The traceparent sent by the client is replaced by the sidecar's only when tracing is on; here it is passed on as sent.
      expect(got[i].headers.traceparent).toBe(s.fields.includes('Traceparent') ? '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' : undefined);
      expect(JSON.parse(got[i].body).inputs[0].data).toEqual(JSON.parse(s.body).inputs[0].data);
    });
    const text = await sc.telemetry.metrics();
    expect(text).toMatch(/modelwatch_requests_total\{[^}]*outcome="success"[^}]*\} 8\b/);
  });

  it('sends each traced call upstream with its own traceparent in place of the client\'s, the head repeated or not', async () => {
    const receiver = await startOtlpReceiver();
    const traced = await startSidecar({ upstream: `http://127.0.0.1:${(upstream.address() as { port: number }).port}`, protocol: 'oip', name: 'm', port: 0 },
      { log: () => {}, defaultMetrics: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`, OTEL_BSP_SCHEDULE_DELAY: '20' } });
    try {
      const client = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const c = new RawClient(traced.port);
      const before = seen.length;
      for (const fields of [`traceparent: ${client}\r\n`, `traceparent: ${client}\r\n`, '', `traceparent: ${client}\r\n`]) {
        await c.send(call(fields, inferBody([[1, 2, 3]])));
        expect((await c.answer()).status).toBe(200);
      }
      c.destroy();
      const sent = seen.slice(before).filter((x) => x.url.includes('/infer')).map((x) => x.headers.traceparent);
      expect(sent).toHaveLength(4);
      for (const t of sent) expect(t).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      // One traceparent each (node:http would join repeated ones with ", "), the sidecar's own, never the same twice.
      expect(new Set(sent).size).toBe(4);
      expect(sent.filter((t) => t!.includes('0af7651916cd43dd8448eb211c80319c'))).toHaveLength(3); // continues the client's trace
      expect(sent).not.toContain(client);
    } finally {
      await traced.close();
      await receiver.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { post, sample, until } from '../runtime/fixtures/http.js';
import { inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';

/**
 * Issue 12, item 9: failed OTLP exports were neither logged nor counted. With the endpoint down
 * (every connection dropped), every failed batch is counted in modelwatch_trace_export_failures_total
 * and logged (rate-limited), and inference answers as usual.
 */
const tmp = tempDir();
let sc: RunningSidecar | undefined;
let endpoint: Server | undefined;
const saved = { ...process.env };
afterAll(() => tmp.cleanup());
afterEach(async () => {
  await sc?.close();
  sc = undefined;
  process.env = { ...saved };
  await new Promise<void>((r) => (endpoint ? endpoint.close(() => r()) : r()));
  endpoint = undefined;
});

/** An endpoint that drops every connection: a port of our own, so no other test can take it over. */
async function droppingEndpoint(): Promise<number> {
  endpoint = createServer((req) => req.socket.destroy());
  endpoint.on('connection', (socket) => socket.destroy());
  await new Promise<void>((r) => endpoint!.listen(0, '127.0.0.1', () => r()));
  return (endpoint.address() as AddressInfo).port;
}

describe('OTLP export failures', () => {
  it('are counted and logged while predictions keep succeeding', async () => {
    const port = await droppingEndpoint();
    // The OTel SDK reads these from the process environment.
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `http://127.0.0.1:${port}/v1/traces`;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
    process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT = '1000';
    const lines: string[] = [];
    sc = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0 }, { log: (l) => lines.push(l), defaultMetrics: false });
    for (let i = 0; i < 5; i++) {
      const res = await post(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]));
      expect(res.status).toBe(200);
    }
    const failures = async () => sample(await (await fetch(`${sc!.url}/metrics`)).text(), 'modelwatch_trace_export_failures_total') ?? 0;
    await until(async () => (await failures()) >= 1);
    expect(lines.some((l) => /OTLP trace export failed \(\d+ spans dropped\)/.test(l))).toBe(true);
    // Closing flushes what is left to the same dead endpoint: reported, never thrown.
    await expect(sc.close()).resolves.toBeUndefined();
    sc = undefined;
  });

  it('count the spans a full queue refused while the endpoint hangs, and never slow or fail a prediction', async () => {
    // An endpoint that accepts the connection and never answers.
    endpoint = createServer(() => {});
    await new Promise<void>((r) => endpoint!.listen(0, '127.0.0.1', () => r()));
    const port = (endpoint.address() as AddressInfo).port;
    sc = await startSidecar({ model: writeClassifier(tmp.dir, 'q.onnx'), name: 'credit', port: 0 }, {
      log: () => {},
      defaultMetrics: false,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_MAX_QUEUE_SIZE: '2', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1',
        OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '60000',
      },
    });
    for (let i = 0; i < 12; i++) expect((await post(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]))).status).toBe(200);
    const dropped = async () => sample(await (await fetch(`${sc!.url}/metrics`)).text(), 'modelwatch_trace_spans_dropped_total', { reason: 'queue_full' }) ?? 0;
    // 2 batches in flight (hanging) + 2 queued: at least 8 of 12 spans had no room.
    await until(async () => (await dropped()) >= 8);
    await expect(sc.close()).resolves.toBeUndefined();
    sc = undefined;
  });
});


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
});

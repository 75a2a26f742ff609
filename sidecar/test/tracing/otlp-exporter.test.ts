import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchOtlpExporter, type OtlpExporterOptions } from '../../src/tracing/otlp-exporter.js';
import { OtlpSpanKind, SpanRecord } from '../../src/tracing/span-record.js';
import { until } from '../runtime/fixtures/http.js';
import { startOtlpReceiver, type OtlpReceiver } from './fixtures/otlp-receiver.js';

let receiver: OtlpReceiver | undefined;
let exporter: BatchOtlpExporter | undefined;
afterEach(async () => {
  await exporter?.shutdown(200);
  exporter = undefined;
  await receiver?.close();
  receiver = undefined;
});

function createSpan(i: number): SpanRecord {
  const s = new SpanRecord('4bf92f3577b34da6a3ce929d0e0e4736', (0x1000 + i).toString(16).padStart(16, '0'), undefined, `span ${i}`, OtlpSpanKind.server, Date.now(), { i }, undefined);
  s.endMs = s.startMs + 1;
  return s;
}

/** An exporter with small limits, recording what it reports. */
function createExporter(url: string, overrides: Partial<OtlpExporterOptions> = {}) {
  const failures: { spans: number; message: string }[] = [];
  let dropped = 0;
  exporter = new BatchOtlpExporter({
    url: `${url}/v1/traces`, protocol: 'http/protobuf', headers: {}, timeoutMs: 300,
    maxQueueSize: 4, maxBatchSize: 2, scheduleDelayMs: 20, maxConcurrentExports: 1,
    envelope: { resource: { 'service.name': 't' }, scopeName: 's' },
    onExportFailure: (spans, error) => failures.push({ spans, message: error.message }),
    onDropped: (n) => (dropped += n),
    ...overrides,
  });
  return { exporter, failures, dropped: () => dropped };
}

describe('BatchOtlpExporter', () => {
  it('exports every span in batches and leaves nothing behind on forceFlush', async () => {
    receiver = await startOtlpReceiver();
    const { exporter: e } = createExporter(receiver.url, { maxQueueSize: 100 });
    for (let i = 0; i < 7; i++) e.add(createSpan(i));
    await e.forceFlush();
    expect(receiver.spans().map((s) => s.name)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `span ${i}`));
    expect(receiver.spans()[6].attributes).toEqual({ i: 6 });
    expect(e.stats).toMatchObject({ exported: 7, failed: 0, dropped: 0 });
  });

  it('drops and counts spans beyond the bounded queue while the endpoint hangs, without ever throwing or waiting', async () => {
    receiver = await startOtlpReceiver({ hang: true });
    const { exporter: e, failures, dropped } = createExporter(receiver.url, { timeoutMs: 60_000 });
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) e.add(createSpan(i));
    expect(performance.now() - t0).toBeLessThan(1000);
    // One batch of 2 in flight (hanging), at most 4 queued behind it: the rest is dropped.
    await until(() => dropped() >= 994);
    expect(e.stats.dropped).toBe(dropped());
    expect(e.stats.dropped).toBeGreaterThanOrEqual(994);
    expect(failures).toEqual([]);
  });

  it('reports a batch the endpoint refuses, and one that times out', async () => {
    receiver = await startOtlpReceiver({ status: 500 });
    const refused = createExporter(receiver.url);
    refused.exporter.add(createSpan(1));
    refused.exporter.add(createSpan(2));
    await until(() => refused.failures.length === 1);
    expect(refused.failures[0]).toEqual({ spans: 2, message: 'OTLP endpoint answered HTTP 500' });
    await refused.exporter.shutdown(200);
    await receiver.close();

    receiver = await startOtlpReceiver({ hang: true });
    const slow = createExporter(receiver.url, { timeoutMs: 100 });
    slow.exporter.add(createSpan(1));
    await until(() => slow.failures.length === 1);
    expect(slow.failures[0]).toEqual({ spans: 1, message: 'OTLP export timed out after 100 ms' });
  });

  it('reports an endpoint that is down, and shuts down within its bound when the endpoint hangs', async () => {
    // A port that was just free: nothing listens on it.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const down = createExporter(`http://127.0.0.1:${port}`);
    down.exporter.add(createSpan(1));
    await until(() => down.failures.length === 1);
    expect(down.failures[0].message).toMatch(/ECONNREFUSED/);
    await down.exporter.shutdown(200);

    receiver = await startOtlpReceiver({ hang: true });
    const hanging = createExporter(receiver.url, { timeoutMs: 60_000 });
    for (let i = 0; i < 5; i++) hanging.exporter.add(createSpan(i));
    const t0 = performance.now();
    await hanging.exporter.shutdown(300);
    expect(performance.now() - t0).toBeLessThan(5_000);
    // Every span is accounted for: dropped (queue full), or failed (the batch in flight was aborted, the rest never left).
    await until(() => hanging.failures.reduce((a, f) => a + f.spans, 0) + hanging.exporter.stats.dropped === 5);
    expect(hanging.failures.some((f) => /did not take \d+ spans within 300 ms/.test(f.message))).toBe(true);
    const before = hanging.exporter.stats.dropped;
    hanging.exporter.add(createSpan(9));
    expect(hanging.exporter.stats.dropped).toBe(before + 1);
    exporter = undefined;
  });
});

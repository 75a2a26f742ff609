import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ROOT_CONTEXT as ROOT } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SidecarTelemetry } from '../../sidecar/src/metrics/telemetry.js';
import { oipInputBatch, oipOutputBatch, parseOipRequest } from '../../sidecar/src/protocols/oip.js';
import { trace, SpanKind, type Span } from '@opentelemetry/api';
import { RequestTracer } from '../../sidecar/src/tracing/tracing.js';
import { baselineFor, FEATURES, requestBody } from './workload.js';

/** Exporter that drops spans: measures the SDK's cost, not the network's. */
class DiscardExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (r: { code: ExportResultCode }) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

function timeUs(iterations: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(20_000, iterations); i++) fn(i); // warm-up (JIT)
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  return ((performance.now() - t0) * 1000) / iterations;
}

/** Per-request cost of each telemetry step for one 20-feature row, in µs. */
export function benchTelemetry(iterations = 200_000): [string, number][] {
  const telemetry = new SidecarTelemetry({
    identity: { model: 'bench', modelVersion: '1', pipeline: 'p', stage: 's', variant: 'primary' },
    mode: 'oip', upstreamStages: [], maxMonitoredFeatures: 100, lowConfidenceThreshold: 0.5, defaultMetrics: false,
  });
  telemetry.setBaseline(baselineFor('bench'), [], { classLabels: ['a', 'b', 'c', 'd', 'e'] });
  const body = Buffer.from(requestBody(1));
  const response = Buffer.from(JSON.stringify({ outputs: [{ name: 'probabilities', shape: [1, 5], datatype: 'FP32', data: [0.1, 0.1, 0.6, 0.1, 0.1] }] }));
  const parsed = parseOipRequest(body);
  if (!parsed.ok) throw new Error('bad workload');
  const inputs = oipInputBatch(parsed.value.inputs, { featureNames: FEATURES });
  const outputs = oipOutputBatch([{ name: 'probabilities', shape: [1, 5], datatype: 'FP32', data: Float32Array.from([0.1, 0.1, 0.6, 0.1, 0.1]) }]);
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DiscardExporter(), { maxQueueSize: 65_536, maxExportBatchSize: 4096 })] });
  const tracer = new RequestTracer(provider, { 'modelwatch.model': 'bench' });
  const headers = { 'content-type': 'application/json' };

  const parse = timeUs(iterations, () => {
    const p = parseOipRequest(body);
    if (p.ok) oipInputBatch(p.value.inputs, { featureNames: FEATURES });
  });
  const parseResponse = timeUs(iterations, () => {
    parseOipRequest(response); // same JSON decoder path as the response codec
  });
  const metrics = timeUs(iterations, () => {
    telemetry.requestStarted();
    telemetry.observeInputs(inputs);
    telemetry.inferenceFinished(0.001);
    telemetry.observeOutputs(outputs);
    telemetry.requestFinished('success', 200, 0.002, 400, 200);
  });
  // Before issue 13: a server span and two child spans per request (parse, model run / upstream call).
  const sdkTracer = provider.getTracer('bench');
  const child = (s: { span: Span } | undefined, name: string) => {
    if (!s) return;
    sdkTracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: { 'modelwatch.model': 'bench' } }, trace.setSpan(ROOT, s.span)).end();
  };
  const threeSpans = timeUs(iterations, () => {
    const s = tracer.startServer('POST', '/v2/models/{model}/infer', '/v2/models/bench/infer', headers);
    child(s, 'parse request');
    child(s, 'onnxruntime run');
    tracer.endServer(s, 200);
  });
  // Now: one server span; the model run is an event on it.
  const spans = timeUs(iterations, () => {
    const s = tracer.startServer('POST', '/v2/models/{model}/infer', '/v2/models/bench/infer', headers);
    tracer.event(s, 'onnxruntime run', { 'modelwatch.inference.rows': 1, 'modelwatch.inference.duration_ms': 0.2 });
    tracer.endServer(s, 200);
  });
  const sampled = new RequestTracer(provider, { 'modelwatch.model': 'bench' }, undefined, { sampleRatio: 0.1 });
  const tenth = timeUs(iterations, () => {
    const s = sampled.startServer('POST', '/v2/models/{model}/infer', '/v2/models/bench/infer', headers);
    sampled.event(s, 'onnxruntime run', { 'modelwatch.inference.rows': 1, 'modelwatch.inference.duration_ms': 0.2 });
    sampled.endServer(s, 200);
  });
  void provider.shutdown();
  return [
    ['parse request JSON + 20 feature columns (proxy mode only; embedded parses anyway)', parse],
    ['parse response JSON (proxy mode only)', parseResponse],
    ['metrics: 20 feature histograms + invalid/range counters, outputs, software metrics', metrics],
    ['traces before: server span + 2 child spans (BatchSpanProcessor)', threeSpans],
    ['traces: one server span + 1 event, every request traced', spans],
    ['traces: head sampling at 0.1 (mean per request)', tenth],
    ['total added by monitoring in proxy mode', parse + parseResponse + metrics + spans],
  ];
}

/**
 * CPU per traced request including the OTLP/HTTP export of its span (BatchSpanProcessor, batches
 * of 2,048 to a local sink; @opentelemetry/exporter-trace-otlp-http always encodes JSON): the export
 * runs off the request path but on the same thread, so it is part of what tracing costs the process.
 * The first pass warms the JIT up and is not counted.
 */
export async function benchExport(spans = 30_000): Promise<[string, number][]> {
  const sink = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
  let perSpan = NaN;
  for (const pass of [0, 1]) {
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { maxQueueSize: 100_000, maxExportBatchSize: 2048, scheduledDelayMillis: 100 })],
    });
    const tracer = new RequestTracer(provider, { 'modelwatch.model': 'bench', 'modelwatch.model_version': '1', 'modelwatch.pipeline': 'p', 'modelwatch.stage': 's' });
    const c0 = process.cpuUsage();
    for (let i = 0; i < spans; i++) {
      const s = tracer.startServer('POST', '/v2/models/{model}/infer', '/v2/models/bench/infer', { 'user-agent': 'bench' });
      tracer.event(s, 'onnxruntime run', { 'modelwatch.inference.rows': 1, 'modelwatch.inference.duration_ms': 0.2 });
      tracer.endServer(s, 200);
      // Let the processor export as it would between requests (and stay under the exporter's concurrency limit).
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await provider.forceFlush();
    const c = process.cpuUsage(c0);
    if (pass === 1) perSpan = (c.user + c.system) / spans;
    await provider.shutdown();
  }
  sink.close();
  return [['traces: one span created and exported over OTLP/HTTP JSON (CPU per request, export included)', perSpan]];
}

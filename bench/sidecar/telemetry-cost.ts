import { ExportResultCode } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SidecarTelemetry } from '../../sidecar/src/metrics/telemetry.js';
import { oipInputBatch, oipOutputBatch, parseOipRequest } from '../../sidecar/src/protocols/oip.js';
import { RequestTracer, endSpan } from '../../sidecar/src/tracing/tracing.js';
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
  const spans = timeUs(iterations, () => {
    const s = tracer.startServer('POST', '/v2/models/{model}/infer', '/v2/models/bench/infer', headers);
    endSpan(tracer.child(s, 'parse request'));
    endSpan(tracer.child(s, 'onnxruntime run'));
    tracer.endServer(s, 200);
  });
  void provider.shutdown();
  return [
    ['parse request JSON + 20 feature columns (proxy mode only; embedded parses anyway)', parse],
    ['parse response JSON (proxy mode only)', parseResponse],
    ['metrics: 20 feature histograms + invalid/range counters, outputs, software metrics', metrics],
    ['traces: server span + 2 child spans (BatchSpanProcessor)', spans],
    ['total added by monitoring in proxy mode', parse + parseResponse + metrics + spans],
  ];
}

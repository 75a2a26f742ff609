import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ROOT_CONTEXT as ROOT } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SidecarTelemetry } from '../../sidecar/src/metrics/telemetry.js';
import { oipInputBatch, oipOutputBatch, parseOipRequest } from '../../sidecar/src/protocols/oip.js';
import { trace, SpanKind, type Span } from '@opentelemetry/api';
import { BatchOtlpExporter } from '../../sidecar/src/tracing/otlp-exporter.js';
import { OtlpTracerProvider } from '../../sidecar/src/tracing/otlp-tracer-provider.js';
import type { SpanRecord } from '../../sidecar/src/tracing/span-record.js';
import { RequestTracer, tracerProviderFromEnv } from '../../sidecar/src/tracing/tracing.js';
import { baselineFor, FEATURES, requestBody } from './workload.js';

/** Exporter that drops spans: measures the SDK's cost, not the network's. */
class DiscardExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (r: { code: ExportResultCode }) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

/** Our exporter with the queue cut off: measures recording a span, not exporting it. */
class DiscardOtlpExporter extends BatchOtlpExporter {
  constructor() {
    super({ url: 'http://127.0.0.1:9/v1/traces', protocol: 'http/protobuf', headers: {}, timeoutMs: 1000, maxQueueSize: 1, maxBatchSize: 1, scheduleDelayMs: 1000, envelope: { resource: {}, scopeName: 'bench' } });
  }
  override add(_span: SpanRecord): void {}
}

const MODEL = { 'modelwatch.model': 'bench', 'modelwatch.model_version': '1', 'modelwatch.pipeline': 'p', 'modelwatch.stage': 's', 'modelwatch.variant': 'primary' };
const ROUTE = '/v2/models/{model}/infer';
const PATH = '/v2/models/bench/infer';

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
  // With an SDK provider the server span carries its SDK span (`span`).
  const child = (server: unknown, name: string) => {
    const s = server as { span: Span } | undefined;
    if (!s) return;
    sdkTracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: { 'modelwatch.model': 'bench' } }, trace.setSpan(ROOT, s.span)).end();
  };
  const threeSpans = timeUs(iterations, () => {
    const s = tracer.startServer('POST', '/v2/models/{model}/infer', '/v2/models/bench/infer', headers);
    child(s, 'parse request');
    child(s, 'onnxruntime run');
    tracer.endServer(s, 200);
  });
  // Issue 13, first step: one SDK server span; the model run is an event on it.
  const sdkSpan = timeUs(iterations, () => {
    const s = tracer.startServer('POST', ROUTE, PATH, headers);
    tracer.event(s, 'onnxruntime run', { 'modelwatch.inference.rows': 1, 'modelwatch.inference.duration_ms': 0.2 });
    tracer.endServer(s, 200);
  });
  // Now: the same span as a plain record for our OTLP encoder (what tracerProviderFromEnv gives).
  const records = new RequestTracer(new OtlpTracerProvider(new DiscardOtlpExporter()), MODEL);
  const recordSpan = timeUs(iterations, () => {
    const s = records.startServer('POST', ROUTE, PATH, headers);
    records.event(s, 'onnxruntime run', { 'modelwatch.inference.rows': 1, 'modelwatch.inference.duration_ms': 0.2 });
    records.endServer(s, 200);
  });
  const sampled = new RequestTracer(new OtlpTracerProvider(new DiscardOtlpExporter()), MODEL, undefined, { sampleRatio: 0.1 });
  const tenth = timeUs(iterations, () => {
    const s = sampled.startServer('POST', ROUTE, PATH, headers);
    sampled.event(s, 'onnxruntime run', { 'modelwatch.inference.rows': 1, 'modelwatch.inference.duration_ms': 0.2 });
    sampled.endServer(s, 200);
  });
  void provider.shutdown();
  return [
    ['parse request JSON + 20 feature columns (proxy mode only; embedded parses anyway)', parse],
    ['parse response JSON (proxy mode only)', parseResponse],
    ['metrics: 20 feature histograms + invalid/range counters, outputs, software metrics', metrics],
    ['traces before: server span + 2 child spans (BatchSpanProcessor)', threeSpans],
    ['traces: one SDK server span + 1 event (before: BatchSpanProcessor)', sdkSpan],
    ['traces: one span record + 1 event, every request traced (recording only; encoding is in the export rows)', recordSpan],
    ['traces: span records, head sampling at 0.1 (mean per request)', tenth],
    ['total added by monitoring in proxy mode', parse + parseResponse + metrics + recordSpan],
  ];
}

/** The OTLP sink in its own process (bench/sidecar/otlp-sink.mjs): receiving is not the sender's CPU. */
async function startSink(): Promise<{ url: string; stats(): Promise<{ requests: number; bytes: number }>; stop(): void }> {
  const child = fork(fileURLToPath(new URL('./otlp-sink.mjs', import.meta.url)), [], { execArgv: [], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (c: Buffer) => resolve((JSON.parse(c.toString()) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`sink exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => new Promise((resolve) => {
      child.once('message', (m) => resolve(m as { requests: number; bytes: number }));
      child.send('stats');
    }),
    stop: () => child.kill('SIGTERM'),
  };
}

interface ExportSide {
  name: string;
  make(url: string): { tracer: RequestTracer; flush(): Promise<void>; shutdown(): Promise<void>; exported?(): number };
}

/** Batches of 512 (OTEL_BSP_MAX_EXPORT_BATCH_SIZE's default) on every side; queues large enough that nothing is dropped. */
const EXPORT_SIDES: ExportSide[] = [
  {
    name: 'before: SDK span, BatchSpanProcessor, @opentelemetry/exporter-trace-otlp-http (JSON)',
    make: (url) => {
      const provider = new BasicTracerProvider({
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }), { maxQueueSize: 100_000, maxExportBatchSize: 512, scheduledDelayMillis: 100 })],
      });
      return { tracer: new RequestTracer(provider, MODEL), flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
    },
  },
  ...(['http/protobuf', 'http/json'] as const).map((protocol): ExportSide => ({
    name: `now: span record, our OTLP exporter (${protocol === 'http/protobuf' ? 'protobuf, the default' : 'JSON'})`,
    make: (url) => {
      const provider = tracerProviderFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_BSP_MAX_QUEUE_SIZE: '100000', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512', OTEL_BSP_SCHEDULE_DELAY: '100',
      })!;
      return { tracer: new RequestTracer(provider, MODEL), flush: () => provider.forceFlush(), shutdown: () => provider.shutdown(), exported: () => provider.exporter.stats.exported };
    },
  })),
];

/**
 * CPU per traced request including the OTLP/HTTP export of its span, side by side: the SDK span
 * with the OTel JSON exporter (before) against span records with our exporter (protobuf, JSON).
 * The export runs off the request path but on the same thread, so it is part of what tracing costs
 * the process. Interleaved rounds (A, B, C, A, B, C…), medians; the first round of each side warms
 * the JIT up and is not counted.
 */
export async function benchExport(spans = 30_000, rounds = 3): Promise<[string, number][]> {
  const sink = await startSink();
  const perSpan: number[][] = EXPORT_SIDES.map(() => []);
  try {
    for (let round = 0; round <= rounds; round++) {
      for (let k = 0; k < EXPORT_SIDES.length; k++) {
        const side = EXPORT_SIDES[k].make(sink.url);
        const c0 = process.cpuUsage();
        for (let i = 0; i < spans; i++) {
          const s = side.tracer.startServer('POST', ROUTE, PATH, { 'user-agent': 'bench' });
          side.tracer.event(s, 'onnxruntime run', { 'modelwatch.inference.rows': 1, 'modelwatch.inference.duration_ms': 0.2 });
          side.tracer.endServer(s, 200);
          // Let the exporter run between requests, as it would under traffic.
          if (i % 200 === 0) await new Promise((r) => setTimeout(r, 2));
        }
        await side.flush();
        const c = process.cpuUsage(c0);
        if (side.exported && side.exported() !== spans) throw new Error(`${EXPORT_SIDES[k].name}: ${side.exported()} of ${spans} spans exported`);
        if (round > 0) perSpan[k].push((c.user + c.system) / spans);
        await side.shutdown();
      }
    }
  } finally {
    sink.stop();
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const rows: [string, number][] = EXPORT_SIDES.map((side, k) => [`traces, CPU per request incl. export — ${side.name}`, med(perSpan[k])]);
  rows.push(['ratio: our protobuf export / SDK + JSON exporter (CPU per traced request)', med(perSpan[1]) / med(perSpan[0])]);
  return rows;
}

// Run alone: npx tsx bench/sidecar/telemetry-cost.ts [--spans 30000] [--rounds 3]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const flag = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
  console.log(`telemetry cost per request, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log('| step | µs per request |');
  console.log('|---|---|');
  const rows = [...benchTelemetry(), ...await benchExport(flag('--spans', 30_000), flag('--rounds', 3))];
  for (const [step, us] of rows) console.log(`| ${step} | ${us.toFixed(step.startsWith('ratio') ? 3 : 2)} |`);
  console.log(`\nload average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

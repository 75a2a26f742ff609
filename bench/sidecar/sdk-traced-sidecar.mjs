// The embedded sidecar as it traced before issue 13's export work, for side-by-side runs
// (bench/sidecar/embedded.ts): SDK spans, BatchSpanProcessor, @opentelemetry/exporter-trace-otlp-http
// (always JSON) to OTEL_EXPORTER_OTLP_ENDPOINT. Same protocol as servers.mjs: prints {"port": N},
// answers the IPC message "cpu" with process.cpuUsage().
//   node sdk-traced-sidecar.mjs <config-json>
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startSidecar } from '@modelwatch/sidecar';

const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
const sc = await startSidecar(JSON.parse(process.argv[2]), { log: () => {}, tracerProvider: provider });
process.on('message', (m) => {
  if (m === 'cpu') process.send(process.cpuUsage());
});
process.stdout.write(`${JSON.stringify({ port: sc.port })}\n`);
process.on('SIGTERM', () => process.exit(0));

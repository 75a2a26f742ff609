import { parseArgs } from 'node:util';
import { readConfigFile } from './load.js';
import type { SidecarConfigInput } from './types.js';

/** Command-line options of `modelwatch sidecar`; each maps onto a config file key. */
export const SIDECAR_OPTIONS = {
  config: { type: 'string' },
  model: { type: 'string' },
  upstream: { type: 'string' },
  protocol: { type: 'string' },
  'json-path': { type: 'string' },
  'json-inputs': { type: 'string' },
  'json-outputs': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  name: { type: 'string' },
  'model-version': { type: 'string' },
  pipeline: { type: 'string' },
  stage: { type: 'string' },
  variant: { type: 'string' },
  'upstream-stages': { type: 'string' },
  baseline: { type: 'string' },
  collector: { type: 'string' },
  'push-dir': { type: 'string' },
  'push-interval-ms': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'upstream-timeout-ms': { type: 'string' },
  'low-confidence': { type: 'string' },
  'max-features': { type: 'string' },
  'review-below': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const SIDECAR_USAGE = `Usage: modelwatch sidecar (--model model.onnx | --upstream URL [--protocol oip|tfserving|mlflow|json]) [options]

  --config FILE             YAML/JSON config file (flags override its keys)
  --model FILE              run this ONNX model in-process (embedded mode, OIP v2 REST)
  --upstream URL            proxy this model server (proxy mode)
  --protocol P              oip (default) | tfserving | mlflow | json
  --json-path PATH          protocol json: path of the inference call, e.g. /predict
  --json-inputs PTR         protocol json: JSON pointer to the inputs, e.g. /instances
  --json-outputs PTR        protocol json: JSON pointer to the outputs, e.g. /predictions
  --host HOST               listen address (default 127.0.0.1)
  --port N                  listen port (default 8080, 0 = any free port)
  --name NAME               model name (default: ONNX file name, or "model")
  --model-version V         model version label (default 1)
  --pipeline NAME           pipeline name (default "default")
  --stage NAME              stage name within the pipeline (default "model")
  --variant NAME            variant label (default "primary")
  --upstream-stages A,B     stages feeding this one (pipeline topology)
  --baseline FILE           baseline profile (bin edges, category tables)
  --collector URL           fetch the active baseline from a modelwatch collector
  --push-dir DIR            edge push: buffer window counts here and push them to --collector
  --push-interval-ms N      edge push window length (default 60000)
  --max-body-bytes N        refuse bigger request bodies with 413 (default 8388608)
  --upstream-timeout-ms N   504 when the upstream takes longer (default 30000)
  --low-confidence X        low-confidence threshold, 0..1 (default 0.5)
  --max-features N          features monitored at most (default 100)
  --review-below X          mark answers with confidence below X (0..1) for review and queue them
                            at the collector (needs predictions.bufferDir in the config file)

Environment: OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT enable OTLP/HTTP traces,
OTEL_TRACES_EXPORTER=none disables them; MODELWATCH_TOKEN is sent to the collector.`;

/** Parses `modelwatch sidecar` arguments into a config input (file keys overridden by flags).
 *  Throws TypeError (from parseArgs) on unknown flags, ConfigError on a bad file. */
export function configFromArgs(argv: string[]): { help: boolean; input: SidecarConfigInput } {
  const { values } = parseArgs({ args: argv, options: SIDECAR_OPTIONS, allowPositionals: false, strict: true });
  if (values.help) return { help: true, input: {} };
  const input: SidecarConfigInput = values.config ? readConfigFile(values.config) : {};
  const set = <K extends keyof SidecarConfigInput>(key: K, v: SidecarConfigInput[K] | undefined) => {
    if (v !== undefined) input[key] = v;
  };
  set('model', values.model);
  set('upstream', values.upstream);
  set('protocol', values.protocol);
  set('host', values.host);
  set('port', values.port as unknown as number);
  set('name', values.name);
  set('modelVersion', values['model-version']);
  set('pipeline', values.pipeline);
  set('stage', values.stage);
  set('variant', values.variant);
  set('upstreamStages', values['upstream-stages']);
  set('baseline', values.baseline);
  set('collector', values.collector);
  if (values['json-path'] !== undefined || values['json-inputs'] !== undefined || values['json-outputs'] !== undefined) {
    input.json = {
      ...input.json,
      ...(values['json-path'] !== undefined ? { path: values['json-path'] } : {}),
      ...(values['json-inputs'] !== undefined ? { inputs: values['json-inputs'] } : {}),
      ...(values['json-outputs'] !== undefined ? { outputs: values['json-outputs'] } : {}),
    };
  }
  if (values['push-dir'] !== undefined || values['push-interval-ms'] !== undefined) {
    input.push = {
      ...input.push,
      ...(values['push-dir'] !== undefined ? { bufferDir: values['push-dir'] } : {}),
      ...(values['push-interval-ms'] !== undefined ? { intervalMs: values['push-interval-ms'] as unknown as number } : {}),
    };
  }
  const limits = { ...input.limits } as Record<string, unknown>;
  const limitFlags = [['max-body-bytes', 'maxBodyBytes'], ['upstream-timeout-ms', 'upstreamTimeoutMs'], ['low-confidence', 'lowConfidenceThreshold'], ['max-features', 'maxMonitoredFeatures']] as const;
  for (const [flag, key] of limitFlags) {
    if (values[flag] !== undefined) limits[key] = values[flag];
  }
  if (Object.keys(limits).length > 0) input.limits = limits;
  if (values['review-below'] !== undefined) input.review = { ...input.review, below: values['review-below'] };
  if (process.env.MODELWATCH_TOKEN && input.collectorToken === undefined && input.collector !== undefined) {
    input.collectorToken = process.env.MODELWATCH_TOKEN;
  }
  return { help: false, input };
}

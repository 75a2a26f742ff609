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
  'predictions-dir': { type: 'string' },
  'record-inputs': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'upstream-timeout-ms': { type: 'string' },
  'low-confidence': { type: 'string' },
  'max-features': { type: 'string' },
  'review-below': { type: 'string' },
  'feature-counters': { type: 'string' },
  shadow: { type: 'string' },
  'shadow-percent': { type: 'string' },
  canary: { type: 'string' },
  'canary-percent': { type: 'string' },
  'sticky-header': { type: 'string' },
  automation: { type: 'string' },
  'rollout-dir': { type: 'string' },
  'admin-port': { type: 'string' },
  tap: { type: 'string' },
  'tap-port': { type: 'string' },
  'trace-sample-ratio': { type: 'string' },
  workers: { type: 'string' },
  'max-in-flight': { type: 'string' },
  'max-connections': { type: 'string' },
  'headers-timeout-ms': { type: 'string' },
  'body-timeout-ms': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'upstream-ca': { type: 'string' },
  'collector-ca': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const SIDECAR_USAGE = `Usage: modelwatch sidecar (--model model.onnx | --upstream URL [--protocol oip|tfserving|mlflow|json] | --tap kserve|nginx) [options]

  --config FILE             YAML/JSON config file (flags override its keys)
  --model FILE              run this ONNX model in-process (embedded mode, OIP v2 REST)
  --upstream URL            proxy this model server (proxy mode)
  --tap kserve|nginx        tap mode: monitor copies of calls sent by KServe's payload logger
                            (CloudEvents to this port) or by nginx (syslog, see deploy/nginx/)
  --tap-port N              tap nginx: UDP port of the syslog listener (default 0 = any free port)
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
  --predictions-dir DIR     record answers (ids and outputs) and ship them to --collector, buffered here
  --record-inputs X         share of recorded answers whose inputs are recorded too, 0..1 (default 0)
  --max-body-bytes N        refuse bigger request bodies with 413 (default 8388608)
  --upstream-timeout-ms N   504 when the upstream takes longer (default 30000)
  --low-confidence X        low-confidence threshold, 0..1 (default 0.5)
  --max-features N          features monitored at most (default 100)
  --review-below X          mark answers with confidence below X (0..1) for review and queue them
                            at the collector (needs predictions.bufferDir in the config file)
  --feature-counters LIST   per-feature counters besides the bins: some of sum_count,invalid,out_of_range,
                            or "" for none (default all; series budget, see docs/metrics.md)
  --shadow URL|FILE         copy requests to this variant after the primary answered (variant "shadow")
  --shadow-percent P        share of requests copied to the shadow, 0-100 (default 100)
  --canary URL|FILE         answer a share of the traffic with this variant (variant "canary")
  --canary-percent P        the canary's share, 0-100
  --sticky-header NAME      keep requests with the same value of this header on one variant
  --automation LEVEL        human | shadow | assistance | partial | full (default full);
                            shadow answers 202 and sends every answer to the review queue
                            (needs predictions.bufferDir and --collector)
  --rollout-dir DIR         keep the routing and its events here across restarts
  --admin-port N            serve the rollout admin API on this port (tokens: MODELWATCH_ADMIN_TOKENS=name:token,...)
  --workers N               worker processes sharing the port; /metrics aggregates them (default 1)
  --trace-sample-ratio X    head sampling of traces, 0..1 (default: OTEL_TRACES_SAMPLER_ARG, else 1)
  --max-in-flight N         inference calls at once; more are answered 503 + Retry-After (default 1024)
  --max-connections N       client connections at once; idle ones are closed first (default 4096)
  --headers-timeout-ms N    408 when the request headers take longer (default 10000)
  --body-timeout-ms N       408 when the request body takes longer after the headers (default 30000)
  --tls-cert FILE           serve HTTPS with this PEM certificate (with --tls-key; reloaded on SIGHUP)
  --tls-key FILE            the certificate's PEM private key
  --upstream-ca FILE        CA bundle trusted for an https:// upstream (default: system CAs)
  --collector-ca FILE       CA bundle trusted for an https:// collector (default: system CAs)

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
  set('tap', values.tap);
  set('tapPort', values['tap-port'] as unknown as number);
  set('traceSampleRatio', values['trace-sample-ratio'] as unknown as number);
  set('workers', values.workers as unknown as number);
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
  if (values['predictions-dir'] !== undefined || values['record-inputs'] !== undefined) {
    input.predictions = {
      ...input.predictions,
      ...(values['predictions-dir'] !== undefined ? { bufferDir: values['predictions-dir'] } : {}),
      ...(values['record-inputs'] !== undefined ? { sampleInputs: values['record-inputs'] as unknown as number } : {}),
    };
  }
  const limits = { ...input.limits } as Record<string, unknown>;
  const limitFlags = [['max-body-bytes', 'maxBodyBytes'], ['upstream-timeout-ms', 'upstreamTimeoutMs'], ['low-confidence', 'lowConfidenceThreshold'], ['max-features', 'maxMonitoredFeatures'],
    ['max-in-flight', 'maxInFlight'], ['max-connections', 'maxConnections'], ['headers-timeout-ms', 'headersTimeoutMs'], ['body-timeout-ms', 'bodyTimeoutMs'],
    ['feature-counters', 'featureCounters']] as const;
  for (const [flag, key] of limitFlags) {
    if (values[flag] !== undefined) limits[key] = values[flag];
  }
  if (Object.keys(limits).length > 0) input.limits = limits;
  if (values['review-below'] !== undefined) input.review = { ...input.review, below: values['review-below'] };
  set('shadow', values.shadow);
  set('shadowPercent', values['shadow-percent']);
  set('canary', values.canary);
  set('canaryPercent', values['canary-percent']);
  set('stickyHeader', values['sticky-header']);
  set('automation', values.automation);
  if (values['rollout-dir'] !== undefined || values['admin-port'] !== undefined) {
    const rollout = { ...input.rollout };
    if (values['rollout-dir'] !== undefined) rollout.stateDir = values['rollout-dir'];
    if (values['admin-port'] !== undefined) {
      const admin = { ...(rollout.admin as Record<string, unknown> | undefined) };
      admin.port = values['admin-port'];
      rollout.admin = admin;
    }
    input.rollout = rollout;
  }
  const adminTokens = process.env.MODELWATCH_ADMIN_TOKENS;
  if (adminTokens && input.rollout?.admin) {
    const admin = input.rollout.admin as Record<string, unknown>;
    if (admin.tokens === undefined) {
      admin.tokens = adminTokens.split(',').filter(Boolean).map((pair) => {
        const i = pair.indexOf(':');
        return { name: pair.slice(0, i), token: pair.slice(i + 1) };
      });
    }
  }
  const tls: Record<string, string> = { ...(input.tls as Record<string, string> | undefined) };
  const tlsFlags = [['tls-cert', 'cert'], ['tls-key', 'key'], ['upstream-ca', 'upstreamCa'], ['collector-ca', 'collectorCa']] as const;
  for (const [flag, key] of tlsFlags) {
    if (values[flag] !== undefined) tls[key] = values[flag];
  }
  if (Object.keys(tls).length > 0) input.tls = tls;
  if (process.env.MODELWATCH_TOKEN && input.collectorToken === undefined && input.collector !== undefined) {
    input.collectorToken = process.env.MODELWATCH_TOKEN;
  }
  return { help: false, input };
}

/**
 * `modelwatch collector`: the baseline registry and drift engine as a long-running service.
 * Runs until SIGINT/SIGTERM, then stops the loop, the server and the store before exiting.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigErrors, ReviewErrors, type ErrorSpec } from '@modelwatch/core';
import { ConfigError, startCollector, type RetrainingConfigInput } from '@modelwatch/collector';

const USAGE = `Usage: modelwatch collector [options]

Options:
  --port N               port to listen on (default 9400; 0 = any free port)
  --host ADDR            address to bind (default 127.0.0.1)
  --db FILE              SQLite file for baselines and drift history (default modelwatch.db; :memory: for none)
  --database-url URL     PostgreSQL connection string instead of SQLite (default: env DATABASE_URL)
  --prometheus-url URL   Prometheus, Thanos or Mimir HTTP API for live windows (default: pushed windows only)
  --prometheus-header H  extra header on queries, repeatable, e.g. "X-Scope-OrgID: team-a" (Mimir tenants)
  --windows-from W       raw (the sidecars' series) or recorded (the shipped cross-replica recording
                         rules, alert-rules/rules/windows.yaml: query cost independent of replicas) (default raw)
  --query-timeout D      timeout of one window query, e.g. 10s or 1m (default 10s)
  --model-concurrency N  models evaluated at once (default 4)
  --round-budget D       a round stops starting models after this long (default: the interval)
  --features-per-query N features per window query, 0 = all (default 0; too-large answers are split anyway)
  --lease-ttl D          PostgreSQL: how long a dead collector's models stay leased (default half the interval, >= 5s)
  --token T              admin bearer token: writes need it, reads stay open (default: env MODELWATCH_TOKEN)
  --tokens FILE          scoped tokens, a JSON list of {"name","token","scopes"}; scopes reader, writer,
                         labeller, admin (admin implies all); reads need a token once one has "reader"
                         (no token at all = reads and writes open to whoever reaches the port)
  --tls-cert FILE        serve HTTPS with this PEM certificate (with --tls-key; reloaded on SIGHUP)
  --tls-key FILE         the certificate's PEM private key
  --tls-client-ca FILE   require API clients to present a certificate signed by this CA (health checks excepted)
  --windows LIST         live windows to evaluate, e.g. 15m,1h,1d (default 15m,1h,1d)
  --interval D           evaluation interval, e.g. 30s or 1m (default 1m)
  --max-body-bytes N     largest accepted request body (default 33554432)
  --history N            drift reports kept per model and window (default 1440)
  --prediction-retention D  how long prediction records and their labels are kept (default 30d)
  --feedback-events LIST    user signals accepted on the feedback API (default redo,switch_to_typing,click,conversion)
  --pending-labels-max N    labels held per model while their prediction record has not arrived (default 100000; 0 = off)
  --pending-labels-grace D  how long such a label waits for its record before it expires (default 1h)
  --drift-config FILE    JSON drift options for every model, e.g. {"datasetDriftShare":0.3,"thresholdByFeature":{"wind":0.2}}
  --concept-drift-config FILE  JSON concept-drift detector parameters, any subset of
                         {"ddm": {"warmStart","warningThreshold","driftThreshold"}, "adwin": {"delta","clock","maxBuckets",
                         "minWindowLength","gracePeriod"}, "page_hinkley": {"minInstances","delta","threshold","alpha","mode"}}
                         (default: River's defaults)
  --review-max-pending N review items waiting per model (default 10000)
  --review-overflow P    what a full review queue does: drop-oldest (default, counted) or refuse-new (503)
  --review-claim-ttl D   how long a reviewer's claim holds an item, e.g. 5m (default)
  --retraining-config FILE  JSON retraining policy: {"webhookUrl", "cooldown", "models": {"<model>|*": {"performance":
                         {"metric","threshold","belowReferenceBy","for"}, "conceptDrift", "datasetDriftFor"}}}
  -h, --help             show this help`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        'database-url': { type: 'string' },
        'prometheus-url': { type: 'string' },
        'prometheus-header': { type: 'string', multiple: true },
        token: { type: 'string' },
        tokens: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-client-ca': { type: 'string' },
        windows: { type: 'string' },
        interval: { type: 'string' },
        'max-body-bytes': { type: 'string' },
        'drift-config': { type: 'string' },
        'concept-drift-config': { type: 'string' },
        history: { type: 'string' },
        'review-max-pending': { type: 'string' },
        'review-overflow': { type: 'string' },
        'review-claim-ttl': { type: 'string' },
        'retraining-config': { type: 'string' },
        'windows-from': { type: 'string' },
        'query-timeout': { type: 'string' },
        'model-concurrency': { type: 'string' },
        'round-budget': { type: 'string' },
        'features-per-query': { type: 'string' },
        'lease-ttl': { type: 'string' },
        'prediction-retention': { type: 'string' },
        'feedback-events': { type: 'string' },
        'pending-labels-max': { type: 'string' },
        'pending-labels-grace': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`modelwatch collector: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new ConfigError(ConfigErrors.collectorFlag, name, `--${name} must be a non-negative integer, got "${v}"`);
    return Number(v);
  };
  let collector;
  try {
    const drift = values['drift-config'] === undefined ? undefined : readDriftConfig(values['drift-config']);
    const conceptDrift = values['concept-drift-config'] === undefined ? undefined : readJsonObject(values['concept-drift-config'], 'concept-drift-config', ConfigErrors.collectorConceptDrift);
    const retraining = values['retraining-config'] === undefined ? undefined : readRetrainingConfig(values['retraining-config']);
    const maxPending = int('review-max-pending', values['review-max-pending']);
    collector = await startCollector({
      port: int('port', values.port) ?? 9400,
      host: values.host,
      db: values.db,
      databaseUrl: values['database-url'] ?? (process.env.DATABASE_URL || undefined),
      prometheusUrl: values['prometheus-url'],
      prometheusHeaders: parseHeaders(values['prometheus-header'] ?? []),
      token: values.token ?? (process.env.MODELWATCH_TOKEN || undefined),
      tokensFile: values.tokens,
      tlsCert: values['tls-cert'],
      tlsKey: values['tls-key'],
      tlsClientCa: values['tls-client-ca'],
      windows: values.windows?.split(',').map((w) => w.trim()),
      evaluateEvery: values.interval,
      maxBodyBytes: int('max-body-bytes', values['max-body-bytes']),
      drift,
      ...(conceptDrift ? { conceptDrift } : {}),
      historyKeep: int('history', values.history),
      review: {
        ...(maxPending !== undefined ? { maxPending } : {}),
        ...(values['review-overflow'] !== undefined ? { overflow: values['review-overflow'] as 'drop-oldest' } : {}),
        ...(values['review-claim-ttl'] !== undefined ? { claimTtl: values['review-claim-ttl'] } : {}),
      },
      ...(retraining ? { retraining } : {}),
      windowsFrom: values['windows-from'] as 'raw' | 'recorded' | undefined,
      queryTimeout: values['query-timeout'],
      modelConcurrency: int('model-concurrency', values['model-concurrency']),
      roundBudget: values['round-budget'],
      featuresPerQuery: int('features-per-query', values['features-per-query']),
      leaseTtl: values['lease-ttl'],
      ...(values['prediction-retention'] !== undefined ? { predictionRetention: values['prediction-retention'] } : {}),
      ...(values['feedback-events'] !== undefined ? { feedbackEvents: values['feedback-events'].split(',').map((e) => e.trim()).filter(Boolean) } : {}),
      ...(values['pending-labels-max'] !== undefined || values['pending-labels-grace'] !== undefined
        ? { pendingLabels: { max: int('pending-labels-max', values['pending-labels-max']), grace: values['pending-labels-grace'] } }
        : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`modelwatch collector: ${err.message}`);
      return 2;
    }
    console.error(`modelwatch collector: cannot start: ${(err as Error).message}`);
    return 1;
  }
  console.log(`modelwatch collector listening on ${collector.url}`);
  console.log(`modelwatch collector: auth: ${collector.authSummary}`);
  const reload = () => {
    const ok = collector.reloadTls();
    console.log(`modelwatch collector: SIGHUP: ${ok ? 'TLS certificate reloaded' : 'TLS not reloaded (see the log)'}`);
  };
  process.on('SIGHUP', reload);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.off('SIGHUP', reload);
  console.log('modelwatch collector: shutting down');
  await collector.close();
  return 0;
}

/** Drift options are core's `DriftOptions`; this only checks that the file holds a JSON object. */
function readDriftConfig(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(ConfigErrors.collectorDriftConfig, 'drift-config', `cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(ConfigErrors.collectorDriftConfig, 'drift-config', `${path} must hold a JSON object of drift options`);
  }
  return parsed as Record<string, unknown>;
}

/** A JSON object file whose content the collector validates at startup. */
function readJsonObject(path: string, flag: string, spec: ErrorSpec): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(spec, flag, `--${flag}: cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(spec, flag, `--${flag}: ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** The retraining policy file; its content is validated by the collector at startup. */
function readRetrainingConfig(path: string): RetrainingConfigInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(ReviewErrors.config, 'retraining-config', `cannot read ${path} as JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(ReviewErrors.config, 'retraining-config', `${path} must hold a JSON object: {"webhookUrl", "models": {...}}`);
  }
  return parsed as RetrainingConfigInput;
}

function parseHeaders(items: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of items) {
    const colon = item.indexOf(':');
    if (colon <= 0) throw new ConfigError(ConfigErrors.collectorPrometheusHeader, 'prometheus-header', `--prometheus-header "${item}" is not "Name: value"`);
    headers[item.slice(0, colon).trim()] = item.slice(colon + 1).trim();
  }
  return headers;
}

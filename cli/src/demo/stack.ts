import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector } from '@modelwatch/collector';
import { startSidecar } from '@modelwatch/sidecar';
import { startDemoReviewer } from './reviewer.js';
import { buildBaseline } from './baseline.js';
import { ALERTMANAGER_CONFIG, EXAMPLE_MODEL, RULES_DIR, exampleClassLabels } from './paths.js';
import { freePort, hasBinary, startAlertmanager, startPrometheus, waitFor, type RunningProcess, type ScrapeTarget } from './processes.js';
import { writeRuleFiles } from './rules.js';
import { trainingRows } from '@modelwatch/examples/seattle-weather';

/** Answers less sure than this go to the review queue (the demo's partial automation). */
const REVIEW_BELOW = 0.7;

/**
 * The whole stack on loopback: collector (SQLite file), the example model's training baseline,
 * a sidecar running the model in-process, and when installed a real Prometheus (the project's
 * rules) and Alertmanager. Used by `modelwatch demo` and by the end-to-end tests.
 */
export const MODEL = 'seattle-weather';

export interface StackOptions {
  dir: string;
  /** Start Prometheus and Alertmanager (default: when both binaries are installed). */
  observability?: boolean;
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Collector windows and evaluation interval (compressed clock). */
  windows?: string[];
  evaluateEvery?: string;
  /** Replaces every alert's `for:` (see rules.ts); undefined keeps the committed values. */
  alertFor?: string;
  /** Alertmanager configuration text (default: the project's example config). */
  alertmanagerConfig?: string;
  /** Drift options passed to the collector unchanged (see core's DriftOptions). */
  drift?: Record<string, unknown>;
  /** Edge push interval of the sidecar when there is no Prometheus (default 5 s). */
  pushIntervalMs?: number;
  /** More scrape targets (e.g. a proxy sidecar a test started). */
  extraTargets?: ScrapeTarget[];
  log?: (line: string) => void;
}

export interface RunningStack {
  collectorUrl: string;
  sidecarUrl: string;
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  baselineVersion: string;
  close(): Promise<void>;
}

export async function startStack(o: StackOptions): Promise<RunningStack> {
  const log = o.log ?? (() => {});
  const observability = o.observability ?? (hasBinary('prometheus') && hasBinary('prometheus-alertmanager'));
  const closers: (() => Promise<void>)[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    // Reverse start order: the sidecar stops before the collector it reports to. Idempotent.
    closing ??= (async () => {
      for (const c of [...closers].reverse()) await c().catch(() => {});
    })();
    return closing;
  };
  try {
    let alertmanager: RunningProcess | undefined;
    let promPort: number | undefined;
    if (observability) {
      alertmanager = await startAlertmanager({
        dir: join(o.dir, 'alertmanager'),
        config: o.alertmanagerConfig ?? readFileSync(ALERTMANAGER_CONFIG, 'utf8'),
      });
      closers.push(() => alertmanager!.close());
      promPort = await freePort();
    }
    const collector = await startCollector({
      port: 0,
      db: join(o.dir, 'modelwatch.db'),
      prometheusUrl: promPort ? `http://127.0.0.1:${promPort}` : undefined,
      windows: o.windows ?? ['1m', '5m'],
      evaluateEvery: o.evaluateEvery ?? '10s',
      drift: o.drift,
    });
    closers.push(() => collector.close());
    log(`collector on ${collector.url} (SQLite ${join(o.dir, 'modelwatch.db')})`);

    const profile = await buildBaseline(EXAMPLE_MODEL, MODEL, trainingRows(), exampleClassLabels());
    const res = await fetch(`${collector.url}/api/v1/models/${MODEL}/baselines`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(profile),
    });
    const uploaded = (await res.json()) as { version?: string; error?: string };
    if (res.status !== 201 || !uploaded.version) throw new Error(`baseline upload failed (${res.status}): ${uploaded.error ?? 'no version'}`);
    log(`baseline ${uploaded.version} of ${MODEL}: ${profile.rows} training days (Seattle 2012-2013)`);

    // Without Prometheus nothing scrapes the sidecar, so it pushes its window counts to the
    // collector instead (the edge push, docs/edge-push.md): the same counts over the same bins.
    // With Prometheus it does not push, or every row would be counted twice.
    const push = observability ? undefined : { bufferDir: join(o.dir, 'push'), intervalMs: o.pushIntervalMs ?? 5_000 };
    const sidecar = await startSidecar(
      {
        model: EXAMPLE_MODEL, name: MODEL, pipeline: 'weather', stage: 'classify', port: 0, collector: collector.url, ...(push ? { push } : {}),
        // Every answer is recorded (ids and outputs) so the demo's labels can be joined to it.
        predictions: { bufferDir: join(o.dir, 'prediction-log'), flushIntervalMs: 1000 },
        review: { below: REVIEW_BELOW },
      },
      { log: (line) => log(`sidecar: ${line}`) },
    );
    closers.push(() => sidecar.close());
    // The sidecar fetches the baseline in the background; its bins must be in place before traffic.
    await waitFor('the sidecar to load the baseline', async () => {
      const text = await (await fetch(`${sidecar.url}/metrics`)).text();
      return /^modelwatch_baseline_loaded\{[^}]*\} 1$/m.test(text) ? true : undefined;
    });
    log(`sidecar (embedded ONNX) on ${sidecar.url}`);
    // A simulated reviewer works the review queue with each day's real weather.
    const reviewer = startDemoReviewer({ collectorUrl: collector.url, model: MODEL, log });
    closers.push(() => reviewer.stop());
    log(`review queue: answers under ${REVIEW_BELOW} confidence, worked by a simulated reviewer (page: ${collector.url}/review?model=${MODEL})`);

    let prometheus: RunningProcess | undefined;
    if (observability && promPort) {
      const ruleFiles = writeRuleFiles(RULES_DIR, join(o.dir, 'rules'), o.alertFor);
      const host = (url: string) => new URL(url).host;
      prometheus = await startPrometheus({
        dir: join(o.dir, 'prometheus'),
        port: promPort,
        ruleFiles,
        alertmanager: alertmanager!.url,
        scrapeInterval: o.scrapeInterval ?? '5s',
        evaluationInterval: o.evaluationInterval ?? '5s',
        targets: [
          { job: 'modelwatch-sidecar', target: host(sidecar.url) },
          { job: 'modelwatch-collector', target: host(collector.url) },
          ...(o.extraTargets ?? []),
        ],
      });
      closers.push(() => prometheus!.close());
      log(`prometheus on ${prometheus.url}, alertmanager on ${alertmanager!.url}`);
    }
    return {
      collectorUrl: collector.url,
      sidecarUrl: sidecar.url,
      prometheusUrl: prometheus?.url,
      alertmanagerUrl: alertmanager?.url,
      baselineVersion: uploaded.version,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hasBinary } from '../demo/processes.js';
import { MODEL, startStack, type RunningStack } from '../demo/stack.js';
import { performanceSummary, startLabelFeeder } from '../demo/labels.js';
import { replay, type Replay } from '../demo/traffic.js';
import { loadNewYork, replayRows } from '@modelwatch/examples/seattle-weather';
import { summarizeReport, type DriftReport } from '@modelwatch/core';

/**
 * `modelwatch demo`, the main job (`npm start`): the collector, the example model's training
 * baseline, a sidecar running the model, Prometheus and Alertmanager when installed, and real
 * traffic — Seattle weather of 2014–2015, then New York — replayed on a compressed clock so
 * drift shows within minutes. Ctrl-C (or --duration) stops everything.
 */
export const DEMO_USAGE = `Usage: modelwatch demo [options]

  --duration D        stop after D (e.g. 90s, 5m; default: run until Ctrl-C)
  --rate N            rows per second replayed (default 300)
  --seattle-for D     replay Seattle 2014-2015 this long before switching to New York (default 2m)
  --dir DIR           working directory: SQLite file, Prometheus data (default .modelwatch)
  --alert-for D       replace every alert's for: so alerts show on the compressed clock
                      (default 1m; "keep" keeps the committed rule durations)
  --no-prometheus     do not start Prometheus and Alertmanager even when installed
  -h, --help          this help`;

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

function duration(flag: string, text: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(text);
  if (!m || Number(m[1]) <= 0) throw new TypeError(`--${flag} "${text}" is not a duration like 90s, 5m or 1h`);
  return Number(m[1]) * UNIT_MS[m[2] ?? 's'];
}

interface DemoFlags {
  durationMs?: number;
  rate: number;
  seattleMs: number;
  dir: string;
  alertFor?: string;
  prometheus: boolean;
  help: boolean;
}

export function parseDemoArgs(argv: string[]): DemoFlags {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: 'string' },
      rate: { type: 'string', default: '300' },
      'seattle-for': { type: 'string', default: '2m' },
      dir: { type: 'string', default: '.modelwatch' },
      'alert-for': { type: 'string', default: '1m' },
      'no-prometheus': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 5_000) throw new TypeError(`--rate "${values.rate}" must be a number of rows per second from 1 to 5000`);
  const alertFor = values['alert-for'] === 'keep' ? undefined : values['alert-for'];
  if (alertFor !== undefined) duration('alert-for', alertFor);
  return {
    durationMs: values.duration === undefined ? undefined : duration('duration', values.duration),
    rate,
    seattleMs: duration('seattle-for', values['seattle-for']!),
    dir: values.dir!,
    alertFor,
    prometheus: !values['no-prometheus'],
    help: values.help!,
  };
}

interface DriftBody {
  reports?: { report: DriftReport }[];
}

async function driftSummary(collectorUrl: string): Promise<string> {
  try {
    const body = (await (await fetch(`${collectorUrl}/api/v1/models/${MODEL}/drift`)).json()) as DriftBody;
    // An empty or too-small window says so with its size: missing data is never "no drift".
    const parts = (body.reports ?? []).map(({ report }) => `${report.window}: ${summarizeReport(report).text}`);
    return parts.length ? parts.join('; ') : 'waiting for the first evaluation';
  } catch {
    return 'collector not answering';
  }
}

async function firingAlerts(prometheusUrl: string | undefined): Promise<string> {
  if (!prometheusUrl) return ' | alerts need Prometheus + Alertmanager (not running)';
  try {
    const body = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as { data: { alerts: { state: string; labels: Record<string, string> }[] } };
    const names = [...new Set(body.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname))];
    return names.length ? ` | alerts firing: ${names.join(', ')}` : ' | no alert firing';
  } catch {
    return ' | Prometheus not answering';
  }
}

export async function run(argv: string[]): Promise<number> {
  let flags: DemoFlags;
  try {
    flags = parseDemoArgs(argv);
  } catch (err) {
    console.error(`modelwatch demo: ${(err as Error).message}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(DEMO_USAGE);
    return 0;
  }
  const dir = resolve(flags.dir);
  mkdirSync(dir, { recursive: true });
  const observability = flags.prometheus && hasBinary('prometheus') && hasBinary('prometheus-alertmanager');
  console.log(`modelwatch demo: starting in ${dir}`);
  const stack: RunningStack = await startStack({
    dir,
    observability,
    windows: ['1m', '5m'],
    evaluateEvery: '10s',
    scrapeInterval: '5s',
    evaluationInterval: '5s',
    alertFor: observability ? flags.alertFor : undefined,
    // PSI with the usual 0.2 "significant shift" threshold: on the compressed clock a 1-minute
    // window holds ~25 replays of the same days, and thresholds calibrated for that many rows flag
    // even the small year-to-year change. PSI 0.2 keeps Seattle's seasonal drift (~0.17-0.19 on
    // temperatures) under the line and New York (wind ~1.4, temp_min ~2) far over it.
    drift: { method: 'psi', threshold: 0.2 },
    log: (line) => console.log(`  ${line}`),
  });

  let current: Replay | undefined;
  let phase = 'Seattle 2014-2015';
  // Ground truth: each replayed day's real weather reaches the collector 10 s after the answer.
  const labels = startLabelFeeder({ collectorUrl: stack.collectorUrl, model: MODEL, delayMs: 10_000 });
  const onAnswer = labels.answered;
  const seattle = replayRows().filter((d) => d.location === 'Seattle');
  current = replay({ url: stack.sidecarUrl, model: MODEL, days: seattle, rowsPerSecond: flags.rate, batch: 4, concurrency: 8, loop: true, onAnswer });
  const switchTimer = setTimeout(() => {
    current?.stop();
    phase = 'New York';
    console.log(`modelwatch demo: switching the replay to New York weather (a sudden real shift)`);
    current = replay({ url: stack.sidecarUrl, model: MODEL, days: loadNewYork(), rowsPerSecond: flags.rate, batch: 4, concurrency: 8, loop: true, onAnswer });
  }, flags.seattleMs);

  console.log(
    [
      '',
      `modelwatch demo: replaying ${phase} weather at ${flags.rate} rows/s, New York after ${flags.seattleMs / 1000}s. Where to look:`,
      `  sidecar metrics      ${stack.sidecarUrl}/metrics`,
      `  send a prediction    curl -s -X POST ${stack.sidecarUrl}/v2/models/${MODEL}/infer -d '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[0,12.8,5,4.7]}]}'`,
      `  drift report (JSON)  ${stack.collectorUrl}/api/v1/models/${MODEL}/drift`,
      `  drift report (HTML)  ${stack.collectorUrl}/report/${MODEL}`,
      `  realized performance ${stack.collectorUrl}/api/v1/models/${MODEL}/performance (labels arrive 10 s after each answer)`,
      `  collector metrics    ${stack.collectorUrl}/metrics`,
      ...(stack.prometheusUrl
        ? [`  Prometheus alerts    ${stack.prometheusUrl}/alerts`, `  Alertmanager         ${stack.alertmanagerUrl}/#/alerts`]
        : [
            '  Drift works without Prometheus: the sidecar pushes its window counts to the collector every 5 s.',
            flags.prometheus
              ? '  Alerts need Prometheus + Alertmanager, which are not installed: sudo apt-get install prometheus prometheus-alertmanager, then run again.'
              : '  Alerts need Prometheus + Alertmanager, left off by --no-prometheus.',
          ]),
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  const status = setInterval(() => {
    // Status every 15 s: what the collector says and what Prometheus fires.
    void Promise.all([driftSummary(stack.collectorUrl), performanceSummary(stack.collectorUrl, MODEL, '5m'), firingAlerts(stack.prometheusUrl)]).then(
      ([drift, performance, alerts]) => console.log(`  [${new Date().toISOString().slice(11, 19)}] ${phase}: ${drift} | ${performance}${alerts}`),
    );
  }, 15_000);

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`modelwatch demo: ${why}, stopping`);
      clearTimeout(switchTimer);
      clearInterval(status);
      clearTimeout(deadline);
      current?.stop();
      void (current?.done ?? Promise.resolve())
        .then(() => labels.stop())
        .then(() => stack.close())
        .then(
          () => {
            console.log('modelwatch demo: stopped');
            done(0);
          },
          (err: unknown) => {
            console.error(`modelwatch demo: error while stopping: ${(err as Error).message}`);
            done(1);
          },
        );
    };
    const deadline = flags.durationMs === undefined ? undefined : setTimeout(() => stop(`--duration reached`), flags.durationMs);
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

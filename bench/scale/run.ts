/**
 * Drift at fleet scale, side by side in one run (figures in docs/performance.md):
 *  - raw path: one model × F features × N replicas backfilled into Prometheus and VictoriaMetrics;
 *    the collector's raw window query (its real PrometheusWindowSource, window 15m), the cost of
 *    one evaluation of the shipped window recording rules (their expressions as instant queries:
 *    the work the rule manager does per iteration), and the engine's memory;
 *  - recorded path: what the rules record for M models × F features, for N = 10 and N = 1,000
 *    replicas (the replica count only scales the values), in a Prometheus that holds only those
 *    series (the "global" Prometheus of a sharded setup), and a real collector round over all M
 *    models reading them (`--windows-from recorded`).
 * Raw runs also measure, per engine: the collector's window read with its default 10 s query
 * timeout and with `--query-timeout` values that let it finish (`--collector-timeouts`), the real
 * rule manager (Prometheus' rule group, or vmalert for VictoriaMetrics) evaluating the shipped
 * window rules, and, for VictoriaMetrics, the collector against the engine's default
 * -search.maxUniqueTimeseries (HTTP 422, split per feature group).
 * Engines and promtool are killed above an anonymous-RSS cap (`--rss-cap-gb`, default 4; shared machine):
 * a run that passes it is reported as capped.
 *
 * Run: `npx tsx bench/scale/run.ts [--raw-prom 10,100] [--raw-vm 10,100] [--recorded 10,1000]
 *   [--models 100] [--features 100] [--runs 3] [--rss-cap-gb 4] [--collector-timeouts 10s,60s] [--rules on|off]`
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { DriftMetrics } from '../../collector/src/drift/drift-metrics.js';
import { Evaluator } from '../../collector/src/drift/evaluator.js';
import { RoundMetrics } from '../../collector/src/drift/round-metrics.js';
import { MemoryStore } from '../../collector/src/store/memory-store.js';
import { PrometheusWindowSource } from '../../collector/src/windows/prometheus-source.js';
import { WindowError } from '../../collector/src/windows/window-source.js';
import { backfillPrometheus, backfillVictoriaMetrics, cpuSeconds, loadPrometheusRules, memory, setRssCap, startVictoriaMetrics, startVmalert, type Engine } from './engines.js';
import { profile, writeRawFleet, writeRecordedFleet, type FleetSpec } from './fleet.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const list = (s: string) => s.split(',').filter(Boolean).map(Number);
const RAW_PROM = list(opt('raw-prom', '10,100'));
const RAW_VM = list(opt('raw-vm', '10,100'));
const RECORDED_REPLICAS = list(opt('recorded', '10,1000'));
const MODELS = Number(opt('models', '100'));
const FEATURES = Number(opt('features', '100'));
const RUNS = Number(opt('runs', '3'));
setRssCap(Number(opt('rss-cap-gb', '4')) * 1024 ** 3);
const durationMs = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN) * 1000;
const COLLECTOR_TIMEOUTS = opt('collector-timeouts', '10s,60s').split(',').filter(Boolean).map(durationMs);
const RULES_ON = opt('rules', 'on') === 'on';
/** A 15m window plus a minute of margin. */
const SPAN_MS = 16 * 60_000;
const WINDOW = { label: '15m', ms: 15 * 60_000 };

const RULES = fileURLToPath(new URL('../../alert-rules/rules/windows.yaml', import.meta.url));
const RULES_YAML = readFileSync(RULES, 'utf8');
const RULE_EXPRS: string[] = (parse(RULES_YAML) as { groups: { rules: { expr: string }[] }[] }).groups[0].rules.map((r) => r.expr);

/**
 * The shipped window rules reading `minutes` in the past: the rule manager evaluates at the wall
 * clock, and the backfilled data ended earlier, so each `[1m]` gets an `offset`. The work is the
 * same (same series, one minute of samples each); only the recorded timestamps differ.
 */
function rulesWithOffset(minutes: number): string {
  return RULES_YAML.replaceAll('[1m])', `[1m] offset ${minutes}m)`);
}

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gb = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GB`;

function spec(replicas: number, models: number): FleetSpec {
  // Aligned to the minute, ending a minute ago: blocks, not the head, hold the data.
  const endMs = Math.floor((Date.now() - 60_000) / 60_000) * 60_000;
  return { replicas, models, features: FEATURES, startMs: endMs - SPAN_MS, endMs };
}

/** Median wall time of `runs` calls, and median CPU seconds the engine and this process spent per call. */
async function timeIt(runs: number, fn: () => Promise<unknown>, enginePid?: number): Promise<{ wall: number; engineCpu: number; ownCpu: number }> {
  const wall: number[] = [];
  const engineCpu: number[] = [];
  const ownCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const e0 = enginePid ? cpuSeconds(enginePid) : 0;
    const c0 = process.cpuUsage();
    const t = process.hrtime.bigint();
    await fn();
    wall.push(seconds(t));
    const c = process.cpuUsage(c0);
    ownCpu.push((c.user + c.system) / 1e6);
    engineCpu.push(enginePid ? cpuSeconds(enginePid) - e0 : 0);
  }
  return { wall: median(wall), engineCpu: median(engineCpu), ownCpu: median(ownCpu) };
}

async function instant(engine: Engine, query: string, endMs: number): Promise<void> {
  const res = await fetch(`${engine.url}/api/v1/query`, {
    method: 'POST',
    body: new URLSearchParams({ query, time: String(endMs / 1000) }),
  });
  const body = (await res.json()) as { status: string; error?: string };
  if (body.status !== 'success') throw new Error(`rule query failed: ${body.error}`);
}

interface RawRow {
  engine: string;
  replicas: number;
  series: number;
  backfill: number;
  /** Wall seconds (contended machine). */
  window: number | string;
  /** Engine CPU seconds per call: the cost that scales with replicas. */
  windowCpu: number | string;
  rules: number | string;
  rulesCpu: number | string;
  rss: string;
  peak: string;
  /** The collector's window read per query timeout (engine limit as in the run). */
  collector: CollectorCheck[];
  /** The same against VictoriaMetrics' default unique-series limit. */
  collectorDefaultLimit?: CollectorCheck[];
  /** One iteration of the real rule manager over the raw series. */
  ruleManager?: RuleIteration | string;
  extra: Record<string, unknown>;
}

interface CollectorCheck {
  timeout: string;
  result: string;
  wall: number;
  engineCpu: number;
  outcomes: Record<string, number>;
}

interface RuleIteration {
  /** What the rule manager itself reports for the iteration (Prometheus last duration, vmalert sum/count). */
  durationSeconds: number;
  /** Engine CPU seconds from the end of the previous iteration to the end of this one, less its idle CPU. */
  engineCpu: number;
  iterations: number;
  missed: number;
  wall: number;
}

/**
 * The collector's real window read of one model (its PrometheusWindowSource, all per-feature
 * queries), with `timeoutMs` as `--query-timeout`: what a round would report, how long it took,
 * and what became of each query (ok, timeout, too_large, split…).
 */
async function collectorCheck(engine: Engine, timeoutMs: number, endMs: number): Promise<CollectorCheck> {
  const outcomes: Record<string, number> = {};
  const source = new PrometheusWindowSource(engine.url, timeoutMs, {}, { observe: (o) => (outcomes[o] = (outcomes[o] ?? 0) + 1) });
  const e0 = cpuSeconds(engine.pid);
  const t = process.hrtime.bigint();
  let result = 'ok';
  try {
    const w = await source.fetch(profile('model0', FEATURES), WINDOW, endMs);
    if (!w || w.features[0].counts.reduce((a, b) => a + b, 0) === 0) result = 'empty window';
  } catch (err) {
    result = err instanceof WindowError ? err.reason : `failed: ${(err as Error).message.slice(0, 80)}`;
  }
  const wall = seconds(t);
  // A timed-out query keeps running in the engine: wait for it to finish so the next measurement starts idle.
  await settle(engine);
  return { timeout: `${timeoutMs / 1000}s`, result, wall, engineCpu: cpuSeconds(engine.pid) - e0, outcomes };
}

/** Waits until the engine has used no CPU for a second (queries abandoned by a client run on). */
async function settle(engine: Engine): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const c = cpuSeconds(engine.pid);
    await new Promise((r) => setTimeout(r, 1000));
    if (cpuSeconds(engine.pid) - c < 0.05) return;
  }
}

const metricValue = (text: string, name: string, match = '') =>
  [...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))].filter((m) => (m[1] ?? '').includes(match)).reduce((a, m) => a + Number(m[2]), 0);

/**
 * Waits for `iterations` evaluations of the window rule group by the engine's rule manager and
 * returns the last one: its duration as the manager reports it and the engine CPU seconds spent
 * between the end of the previous iteration and the end of this one (the engine does nothing else).
 */
async function ruleIteration(
  engine: Engine,
  read: () => Promise<{ count: number; durationSum: number; last: number; missed: number }>,
  iterations: number,
): Promise<RuleIteration> {
  // The engine's own idle CPU (GC, serving these polls) over 10 s, subtracted from the iteration's.
  const idle0 = cpuSeconds(engine.pid);
  const idleT = process.hrtime.bigint();
  let prev = await read();
  while (Number(process.hrtime.bigint() - idleT) < 10e9 && (await read()).count === prev.count) await new Promise((r) => setTimeout(r, 1000));
  const idleRate = (cpuSeconds(engine.pid) - idle0) / (Number(process.hrtime.bigint() - idleT) / 1e9);
  const deadline = Date.now() + (iterations + 3) * 120_000;
  prev = await read();
  /** Set at the first completion seen: the iteration before it may have started before we looked. */
  let since: { cpu: number; t: bigint } | undefined;
  let full = 0;
  let result: RuleIteration | undefined;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    if (engine.capped()) throw new Error('capped');
    const cur = await read();
    if (cur.count === prev.count) continue;
    const cpu = cpuSeconds(engine.pid);
    const t = process.hrtime.bigint();
    if (since) {
      full++;
      const duration = cur.last > 0 ? cur.last : (cur.durationSum - prev.durationSum) / (cur.count - prev.count);
      const wall = Number(t - since.t) / 1e9;
      result = { durationSeconds: duration, engineCpu: Math.max(0, cpu - since.cpu - idleRate * wall), iterations: cur.count, missed: cur.missed, wall };
      if (full >= iterations) return result;
    }
    since = { cpu, t };
    prev = cur;
  }
  throw new Error(`rule group did not run ${iterations} times in time${result ? ` (last: ${JSON.stringify(result)})` : ''}`);
}

async function rawRun(kind: 'prometheus' | 'victoria-metrics', replicas: number): Promise<RawRow> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-scale-'));
  const s = spec(replicas, 1);
  let series = 0;
  let engine: Engine | undefined;
  let vmalert: Engine | undefined;
  const extra: Record<string, unknown> = {};
  const stage = (what: string) => console.error(`${new Date().toISOString()} ${kind} ${replicas}: ${what}`);
  try {
    stage('backfill');
    const produce = async (out: NodeJS.WritableStream) => (series = await writeRawFleet(out as never, s, kind === 'prometheus' ? 'om' : 'prom'));
    let backfill: number;
    try {
      if (kind === 'prometheus') {
        const started = await backfillPrometheus(dir, produce);
        engine = started.engine;
        backfill = started.backfillSeconds;
        extra.promtoolPeakAnon = gb(started.promtoolPeakAnon);
        extra.promtoolCpu = started.promtoolCpu;
      } else {
        const started = await backfillVictoriaMetrics(dir, produce);
        engine = started.engine;
        backfill = started.backfillSeconds;
      }
    } catch (err) {
      // Over the RSS cap (or out of disk): a row that says so, and the next run still goes.
      const failed = `backfill failed: ${(err as Error).message.slice(0, 160)}`;
      return { engine: kind, replicas, series, backfill: NaN, window: failed, windowCpu: '-', rules: '-', rulesCpu: '-', rss: '-', peak: '-', collector: [], extra };
    }
    extra.anonAfterBackfill = gb(memory(engine.pid).anon);
    const e = engine;
    const source = new PrometheusWindowSource(e.url, 300_000);
    const baseline = profile('model0', FEATURES);
    let window: number | string;
    let rules: number | string;
    let windowCpu: number | string = '-';
    let rulesCpu: number | string = '-';
    stage('raw window query');
    try {
      // Warm caches, as a steady collector would; and make sure the window is not empty.
      const w = await source.fetch(baseline, WINDOW, s.endMs);
      if (!w || w.features[0].counts.reduce((a, b) => a + b, 0) === 0) throw new Error('empty window');
      const t = await timeIt(RUNS, () => source.fetch(baseline, WINDOW, s.endMs), e.pid);
      window = t.wall;
      windowCpu = t.engineCpu;
    } catch (err) {
      window = e.capped() ? 'capped' : `failed: ${(err as Error).message.slice(0, 80)}`;
    }
    stage('rule expressions as instant queries');
    try {
      const t = await timeIt(RUNS, async () => {
        for (const expr of RULE_EXPRS) await instant(e, expr, s.endMs);
      }, e.pid);
      rules = t.wall;
      rulesCpu = t.engineCpu;
    } catch (err) {
      rules = e.capped() ? 'capped' : `failed: ${(err as Error).message.slice(0, 80)}`;
    }
    const mem = e.capped() ? { rss: NaN, anon: NaN, peak: NaN } : memory(e.pid);
    const collector: CollectorCheck[] = [];
    for (const ms of COLLECTOR_TIMEOUTS) {
      if (e.capped()) break;
      stage(`collector window read, --query-timeout ${ms / 1000}s`);
      collector.push(await collectorCheck(e, ms, s.endMs));
    }
    let ruleManager: RuleIteration | string | undefined;
    if (RULES_ON && !e.capped()) {
      // Evaluations at T read [T - offset - 1m, T - offset]: 8 minutes before the data's end now,
      // so the next ~7 minutes of iterations all read a full minute of it.
      const offset = Math.ceil((Date.now() - s.endMs) / 60_000) + 8;
      extra.ruleOffsetMinutes = offset;
      stage(`rule manager, offset ${offset}m`);
      try {
        if (kind === 'prometheus') {
          await loadPrometheusRules(dir, e, rulesWithOffset(offset));
          ruleManager = await ruleIteration(e, async () => {
            const text = await (await fetch(`${e.url}/metrics`)).text();
            return {
              count: metricValue(text, 'prometheus_rule_group_iterations_total', 'modelwatch-windows'),
              durationSum: 0,
              last: metricValue(text, 'prometheus_rule_group_last_duration_seconds', 'modelwatch-windows'),
              missed: metricValue(text, 'prometheus_rule_group_iterations_missed_total', 'modelwatch-windows'),
            };
          }, 2);
        } else {
          const va = (vmalert = await startVmalert(dir, e.url, rulesWithOffset(offset)));
          ruleManager = await ruleIteration(e, async () => {
            const text = await (await fetch(`${va.url}/metrics`)).text();
            return {
              count: metricValue(text, 'vmalert_iteration_duration_seconds_count', 'modelwatch-windows'),
              durationSum: metricValue(text, 'vmalert_iteration_duration_seconds_sum', 'modelwatch-windows'),
              last: 0,
              missed: metricValue(text, 'vmalert_iteration_missed_total', 'modelwatch-windows'),
            };
          }, 2);
          extra.vmalertAnon = gb(memory(va.pid).anon);
          await va.stop();
          vmalert = undefined;
        }
      } catch (err) {
        ruleManager = e.capped() ? 'capped' : `failed: ${(err as Error).message.slice(0, 200)}`;
      }
      if (!e.capped()) {
        extra.anonAfterRules = gb(memory(e.pid).anon);
        // Proof the rules read the backfilled minute: the series they recorded.
        const res = await fetch(`${e.url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: 'count(model_feature_le:modelwatch_input_feature_value_bucket:increase1m)' }) });
        const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
        extra.recordedBucketSeries = Number(body.data?.result?.[0]?.value[1] ?? 0);
      }
    }
    const peakAll = Math.max(e.peakAnon(), mem.anon || 0);
    extra.vmHwmTotal = e.capped() ? '-' : gb(memory(e.pid).peak);
    let collectorDefaultLimit: CollectorCheck[] | undefined;
    if (kind === 'victoria-metrics' && !e.capped()) {
      // As a user runs it: the default -search.maxUniqueTimeseries (300,000) on the same data.
      stage('restart with the default unique-series limit');
      await e.stop();
      engine = await startVictoriaMetrics(dir, 'default');
      collectorDefaultLimit = [];
      for (const ms of COLLECTOR_TIMEOUTS) {
        stage(`default limit: collector window read, --query-timeout ${ms / 1000}s`);
        collectorDefaultLimit.push(await collectorCheck(engine, ms, s.endMs));
      }
      extra.defaultLimitPeakAnon = gb(engine.peakAnon());
    }
    return {
      engine: kind, replicas, series, backfill, window, windowCpu, rules, rulesCpu,
      rss: `${gb(mem.anon)} anon (${gb(mem.rss)} with mapped files)`, peak: `${gb(peakAll)} anon`, collector, collectorDefaultLimit, ruleManager, extra,
    };
  } finally {
    await vmalert?.stop();
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function recordedRun(replicas: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-scale-'));
  const s = spec(replicas, MODELS);
  let series = 0;
  let engine: Engine | undefined;
  try {
    const started = await backfillPrometheus(dir, async (out) => (series = await writeRecordedFleet(out, s, 'om')));
    engine = started.engine;
    const store = new MemoryStore();
    for (let m = 0; m < MODELS; m++) await store.putBaseline(`model${m}`, profile(`model${m}`, FEATURES), true);
    const metrics = new DriftMetrics(false);
    const source = new PrometheusWindowSource(engine.url, 60_000, {}, { windowsFrom: 'recorded' });
    const evaluator = new Evaluator({ store, sources: [source], windows: [WINDOW], metrics, drift: {}, modelConcurrency: 4, roundMetrics: new RoundMetrics(metrics.registry) });
    await evaluator.evaluate(s.endMs);
    const round = await timeIt(3, () => evaluator.evaluate(s.endMs), engine.pid);
    const text = await metrics.registry.metrics();
    const failures = [...text.matchAll(/^modelwatch_drift_evaluation_errors_total\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    const evaluated = [...text.matchAll(/^modelwatch_drift_evaluations_total\{[^}]*\} (\d+)/gm)].length;
    // Samples the rounds saw: zero would mean the recorded series were not found.
    const samples = [...text.matchAll(/^modelwatch_drift_window_samples\{[^}]*kind="input"[^}]*\} (\S+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    const mem = memory(engine.pid);
    return { replicas, models: MODELS, features: FEATURES, recordedSeries: series, backfill: started.backfillSeconds.toFixed(1), round: round.wall.toFixed(2), engineCpu: round.engineCpu.toFixed(2), collectorCpu: round.ownCpu.toFixed(2), modelsEvaluated: evaluated, windowSamples: samples, failures, rss: gb(mem.anon), peak: gb(Math.max(mem.anon, engine.peakAnon())) };
  } finally {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (v: number | string) => (typeof v === 'number' ? v.toFixed(2) : v);
const round2 = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(2)) : v);
function logRaw(r: RawRow): void {
  console.log('raw', JSON.stringify({ ...r, window: fmt(r.window), windowCpu: fmt(r.windowCpu), rules: fmt(r.rules), rulesCpu: fmt(r.rulesCpu), backfill: r.backfill.toFixed(1) }, round2));
}
console.log(`scale bench: ${FEATURES} features per model, 20 bins, 15 s samples over ${SPAN_MS / 60_000} min, window ${WINDOW.label}`);
for (const n of RECORDED_REPLICAS) console.log('recorded', JSON.stringify(await recordedRun(n)));
const rows: RawRow[] = [];
for (const n of RAW_PROM) {
  const r = await rawRun('prometheus', n);
  rows.push(r);
  logRaw(r);
}
for (const n of RAW_VM) {
  const r = await rawRun('victoria-metrics', n);
  rows.push(r);
  logRaw(r);
}
console.log('\n| engine | replicas | series | raw window query: wall s / engine CPU s | rule evaluation: wall s / engine CPU s | RSS | peak RSS |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.engine} | ${r.replicas} | ${r.series.toLocaleString('en-US')} | ${fmt(r.window)} / ${fmt(r.windowCpu)} | ${fmt(r.rules)} / ${fmt(r.rulesCpu)} | ${r.rss} | ${r.peak} |`);
}

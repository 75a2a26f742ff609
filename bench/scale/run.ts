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
 * Engines are capped at 4 GB RSS (shared machine): a run that passes it is reported as capped.
 *
 * Run: `npx tsx bench/scale/run.ts [--raw-prom 10,100] [--raw-vm 10,100] [--models 100] [--features 100]`
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
import { backfillPrometheus, backfillVictoriaMetrics, cpuSeconds, memory, type Engine } from './engines.js';
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
/** A 15m window plus a minute of margin. */
const SPAN_MS = 16 * 60_000;
const WINDOW = { label: '15m', ms: 15 * 60_000 };

const RULES = fileURLToPath(new URL('../../alert-rules/rules/windows.yaml', import.meta.url));
const RULE_EXPRS: string[] = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { expr: string }[] }[] }).groups[0].rules.map((r) => r.expr);

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
}

async function rawRun(kind: 'prometheus' | 'victoria-metrics', replicas: number): Promise<RawRow> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-scale-'));
  const s = spec(replicas, 1);
  let series = 0;
  let engine: Engine | undefined;
  try {
    const produce = async (out: NodeJS.WritableStream) => (series = await writeRawFleet(out as never, s, kind === 'prometheus' ? 'om' : 'prom'));
    const started = kind === 'prometheus' ? await backfillPrometheus(dir, produce) : await backfillVictoriaMetrics(dir, produce);
    engine = started.engine;
    const e = engine;
    const source = new PrometheusWindowSource(e.url, 300_000);
    const baseline = profile('model0', FEATURES);
    let window: number | string;
    let rules: number | string;
    let windowCpu: number | string = '-';
    let rulesCpu: number | string = '-';
    try {
      // Warm caches, as a steady collector would; and make sure the window is not empty.
      const w = await source.fetch(baseline, WINDOW, s.endMs);
      if (!w || w.features[0].counts.reduce((a, b) => a + b, 0) === 0) throw new Error('empty window');
      const t = await timeIt(3, () => source.fetch(baseline, WINDOW, s.endMs), e.pid);
      window = t.wall;
      windowCpu = t.engineCpu;
    } catch (err) {
      window = e.capped() ? 'capped' : `failed: ${(err as Error).message.slice(0, 80)}`;
    }
    try {
      const t = await timeIt(3, async () => {
        for (const expr of RULE_EXPRS) await instant(e, expr, s.endMs);
      }, e.pid);
      rules = t.wall;
      rulesCpu = t.engineCpu;
    } catch (err) {
      rules = e.capped() ? 'capped' : `failed: ${(err as Error).message.slice(0, 80)}`;
    }
    const mem = e.capped() ? { rss: NaN, peak: NaN } : memory(e.pid);
    return { engine: kind, replicas, series, backfill: started.backfillSeconds, window, windowCpu, rules, rulesCpu, rss: gb(mem.rss), peak: gb(mem.peak) };
  } finally {
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
    return { replicas, models: MODELS, features: FEATURES, recordedSeries: series, backfill: started.backfillSeconds.toFixed(1), round: round.wall.toFixed(2), engineCpu: round.engineCpu.toFixed(2), collectorCpu: round.ownCpu.toFixed(2), modelsEvaluated: evaluated, windowSamples: samples, failures, rss: gb(mem.rss), peak: gb(mem.peak) };
  } finally {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (v: number | string) => (typeof v === 'number' ? v.toFixed(2) : v);
console.log(`scale bench: ${FEATURES} features per model, 20 bins, 15 s samples over ${SPAN_MS / 60_000} min, window ${WINDOW.label}`);
for (const n of RECORDED_REPLICAS) console.log('recorded', JSON.stringify(await recordedRun(n)));
const rows: RawRow[] = [];
for (const n of RAW_PROM) {
  const r = await rawRun('prometheus', n);
  rows.push(r);
  console.log('raw', JSON.stringify({ ...r, window: fmt(r.window), windowCpu: fmt(r.windowCpu), rules: fmt(r.rules), rulesCpu: fmt(r.rulesCpu), backfill: r.backfill.toFixed(1) }));
}
for (const n of RAW_VM) {
  const r = await rawRun('victoria-metrics', n);
  rows.push(r);
  console.log('raw', JSON.stringify({ ...r, window: fmt(r.window), windowCpu: fmt(r.windowCpu), rules: fmt(r.rules), rulesCpu: fmt(r.rulesCpu), backfill: r.backfill.toFixed(1) }));
}
console.log('\n| engine | replicas | series | raw window query: wall s / engine CPU s | rule evaluation: wall s / engine CPU s | RSS | peak RSS |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.engine} | ${r.replicas} | ${r.series.toLocaleString('en-US')} | ${fmt(r.window)} / ${fmt(r.windowCpu)} | ${fmt(r.rules)} / ${fmt(r.rulesCpu)} | ${r.rss} | ${r.peak} |`);
}

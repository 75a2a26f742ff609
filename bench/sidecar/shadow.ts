/**
 * What a shadow costs the primary, side by side in one run:
 *   npx tsc -b && npx tsx bench/sidecar/shadow.ts [--seconds 5] [--rounds 3]
 * Two proxy sidecars in front of the same upstream: one without variants, one copying 100% of the
 * requests to a shadow (a second upstream process). Both at 1,000 req/s (open loop: p50/p99 of the
 * primary's answers) and at saturation (32 connections: throughput). Rounds are interleaved and the
 * medians reported, so a burst of load from elsewhere on the machine hits both arms alike. The shadow
 * upstream is a process of its own on the same machine: its CPU competes with the primary's, as it
 * would on a shared host. Shadow completed/dropped counts are read from the sidecar's /metrics.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { compareOutputs } from '../../sidecar/src/routing/comparator.js';
import { RolloutMetrics } from '../../sidecar/src/routing/rollout-metrics.js';
import { initialState } from '../../sidecar/src/routing/routing-state.js';
import { ShadowDispatcher } from '../../sidecar/src/routing/shadow-dispatcher.js';
import type { ShadowTarget } from '../../sidecar/src/routing/shadow-target.js';
import type { OutputBatch } from '../../sidecar/src/protocols/types.js';
import { firstLine, fmt as f, loadGen, median, type LoadMode, type LoadResult } from './harness.js';
import { baselineFor, requestBody } from './workload.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const seconds = flag('--seconds', 5);
const rounds = flag('--rounds', 3);
const children: ChildProcess[] = [];

async function upstream(): Promise<string> {
  const child = spawn(process.execPath, [join(here, 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return `http://127.0.0.1:${(await firstLine(child)).port}`;
}

interface Sidecar {
  url: string;
  /** CPU seconds (user + system) the sidecar process has used so far. */
  cpu(): Promise<number>;
}

async function sidecar(config: object): Promise<Sidecar> {
  const child = fork(join(here, 'servers.mjs'), ['sidecar', JSON.stringify(config)], { execArgv: [], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  children.push(child);
  const url = `http://127.0.0.1:${(await firstLine(child)).port}`;
  return {
    url,
    cpu: () => new Promise((resolve) => {
      child.once('message', (m) => resolve(((m as NodeJS.CpuUsage).user + (m as NodeJS.CpuUsage).system) / 1e6));
      child.send('cpu');
    }),
  };
}

const load = (url: string, body: string, mode: LoadMode) => loadGen(url, body, mode, { seconds });

async function shadowCounts(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^modelwatch_shadow_requests_total\{.*outcome="(\w+)"\} (\d+)/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * In-process: what a copy costs the sidecar's event loop besides the shadow's HTTP exchange, on the
 * primary's turn (handing the copy over) and later (dispatch bookkeeping and the comparison).
 */
async function inProcess(): Promise<[string, number][]> {
  const state = initialState({ primary: 'primary', canary: null, shadow: { variant: 'shadow', percent: 100 }, automation: 'full' });
  const metrics = new RolloutMetrics((v) => `model="bench",variant="${v}"`, () => state, ['primary', 'shadow']);
  const outputs: OutputBatch = { rows: 1, outputs: new Map([['probabilities', { kind: 'probabilities', rows: 1, classes: 5, data: Float32Array.from([0.1, 0.1, 0.6, 0.1, 0.1]) }]]) };
  const target: ShadowTarget = { invoke: async () => ({ ok: true, outputs }), close: () => {} };
  const dispatcher = new ShadowDispatcher(metrics, 1_000_000, 5_000, false);
  const exchange = { method: 'POST', url: '/v2/models/bench/infer', headers: {}, body: Buffer.from(requestBody(1)), status: 200, outputs };
  const n = 200_000;
  const drain = () => new Promise((r) => setImmediate(r));
  for (let i = 0; i < 10_000; i++) dispatcher.dispatch('shadow', target, exchange, true, (o) => o && compareOutputs(metrics, 'shadow', 'primary', o, outputs));
  await drain();
  await drain();
  let t0 = performance.now();
  for (let i = 0; i < n; i++) dispatcher.dispatch('shadow', target, exchange, true);
  const handOver = ((performance.now() - t0) * 1000) / n;
  t0 = performance.now();
  await drain();
  await drain();
  const bookkeeping = ((performance.now() - t0) * 1000) / n;
  t0 = performance.now();
  for (let i = 0; i < n; i++) compareOutputs(metrics, 'shadow', 'primary', outputs, outputs);
  const compare = ((performance.now() - t0) * 1000) / n;
  dispatcher.close();
  return [
    ['hand-over on the primary\'s turn (bound check, counters, setImmediate)', handOver],
    ['dispatch bookkeeping on a later turn (target call resolved in-process, outcome counters)', bookkeeping],
    ['comparison of one 5-class row (top class + counters)', compare],
  ];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-shadow-'));
  try {
    const baselinePath = join(dir, 'baseline.json');
    writeFileSync(baselinePath, JSON.stringify(baselineFor('bench')));
    const body = requestBody(1);
    const primaryUp = await upstream();
    const shadowUp = await upstream();
    const base = { upstream: primaryUp, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath };
    const plain = await sidecar(base);
    const shadowed = await sidecar({ ...base, shadow: shadowUp, shadowPercent: 100 });
    console.log(`shadow benchmark: ${rounds} interleaved rounds of ${seconds}s per arm (medians), 20-feature OIP requests, ` +
      `load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);
    const arms = [['no shadow', plain], ['100% shadow', shadowed]] as const;
    const at1k: LoadResult[][] = [[], []];
    const sat: LoadResult[][] = [[], []];
    const cores: number[][] = [[], []];
    const copies = { at1k: { completed: 0, dropped: 0 }, sat: { completed: 0, dropped: 0 } };
    const addCopies = async (into: { completed: number; dropped: number }, run: () => Promise<LoadResult>) => {
      const before = await shadowCounts(shadowed.url);
      const r = await run();
      // Copies still in flight when the run ends are counted in the next phase: a small spill-over.
      const after = await shadowCounts(shadowed.url);
      into.completed += (after.completed ?? 0) - (before.completed ?? 0);
      into.dropped += (after.dropped ?? 0) - (before.dropped ?? 0);
      return r;
    };
    for (let r = 0; r < rounds; r++) {
      for (let a = 0; a < arms.length; a++) {
        const before = await arms[a][1].cpu();
        const run1k = () => load(`${arms[a][1].url}/v2/models/bench/infer`, body, { rate: 1000 });
        const res = a === 1 ? await addCopies(copies.at1k, run1k) : await run1k();
        // Sidecar CPU over the whole run (warm-up included) per 1,000 req/s answered.
        cores[a].push(((await arms[a][1].cpu()) - before) / (seconds + 1) / (res.rps / 1000));
        at1k[a].push(res);
      }
      for (let a = 0; a < arms.length; a++) {
        const runSat = () => load(`${arms[a][1].url}/v2/models/bench/infer`, body, { concurrency: 32 });
        sat[a].push(a === 1 ? await addCopies(copies.sat, runSat) : await runSat());
      }
    }
    const m = (rs: LoadResult[], k: keyof LoadResult) => median(rs.map((x) => x[k]));
    console.log('| arm | req/s at 1,000 offered | p50 ms | p99 ms | sidecar cores per 1k req/s | saturation req/s (32 conns) | errors |');
    console.log('|---|---|---|---|---|---|---|');
    for (let a = 0; a < arms.length; a++) {
      const errors = [...at1k[a], ...sat[a]].reduce((n, x) => n + x.errors, 0);
      console.log(`| ${arms[a][0]} | ${Math.round(m(at1k[a], 'rps'))} | ${f(m(at1k[a], 'p50Ms'))} | ${f(m(at1k[a], 'p99Ms'))} | ${f(median(cores[a]))} | ${Math.round(m(sat[a], 'rps'))} | ${errors} |`);
    }
    const dp50 = m(at1k[1], 'p50Ms') - m(at1k[0], 'p50Ms');
    const dp99 = m(at1k[1], 'p99Ms') - m(at1k[0], 'p99Ms');
    const ratio = m(sat[1], 'rps') / m(sat[0], 'rps');
    console.log(`\n100% shadow vs none at 1,000 req/s: p50 ${dp50 >= 0 ? '+' : ''}${f(dp50)} ms, p99 ${dp99 >= 0 ? '+' : ''}${f(dp99)} ms; ` +
      `saturation throughput ratio ${f(ratio, 2)} (cost ${f((1 - ratio) * 100, 1)}%); sidecar CPU per request ×${f(median(cores[1]) / median(cores[0]), 2)}`);
    const share = (c: { completed: number; dropped: number }) => f((c.completed / Math.max(1, c.completed + c.dropped)) * 100, 1);
    console.log(`shadow copies completed: ${share(copies.at1k)}% at 1,000 req/s (${copies.at1k.completed} completed, ${copies.at1k.dropped} dropped), ` +
      `${share(copies.sat)}% at saturation (${copies.sat.completed} completed, ${copies.sat.dropped} dropped)\n`);
    console.log('| in-process cost of a shadow copy (200,000 copies) | µs per copy |');
    console.log('|---|---|');
    for (const [step, us] of await inProcess()) console.log(`| ${step} | ${f(us, 2)} |`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

/**
 * Sidecar benchmarks, side by side in one run:
 *   npx tsc -b && npx tsx bench/sidecar/run.ts [--seconds 5] [--rounds 3] [--pin]
 * (the servers run the compiled sidecar from sidecar/dist, as `modelwatch sidecar` does)
 *  1. proxy: the same upstream called directly vs through the sidecar, at 1,000 req/s and at saturation
 *  2. embedded: sidecar (all telemetry on, traces exported over OTLP/HTTP) vs a bare node:http server
 *     calling the same ONNX session
 *  3. telemetry cost per request for 20 features (in-process micro-benchmark, see telemetry-cost.ts)
 * Every server and the load generator run in separate processes. Each comparison runs in interleaved
 * rounds (direct, sidecar, direct, sidecar…) and reports the median per path, so a burst of load
 * from elsewhere on the machine hits both sides alike. `--pin` pins the servers to core 0 and the
 * load generator to core 1 (taskset): fairer on an idle 2-core machine, worse on a shared one.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDenseModel } from '../../examples/src/onnx-builder.js';
import { benchTelemetry } from './telemetry-cost.js';
import { FEATURES, CLASSES, requestBody, baselineFor } from './workload.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const seconds = flag('--seconds', 5);
const rounds = flag('--rounds', 3);
const hasTaskset = args.includes('--pin') && (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return cpus().length >= 2;
  } catch {
    return false;
  }
})();
const SERVER_CPU = '0';
const LOAD_CPU = '1';
const children: ChildProcess[] = [];

function pin(pid: number | undefined, cpu: string): void {
  if (hasTaskset && pid) execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
}

function waitPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(buf.slice(0, nl)) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function startServer(kind: 'sidecar' | 'bare' | 'bare-proxy', arg: string, env: NodeJS.ProcessEnv = process.env): Promise<{ port: number; cpu(): Promise<number> }> {
  const child = fork(join(here, 'servers.mjs'), [kind, arg], { execArgv: [], stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env });
  children.push(child);
  const port = await waitPort(child);
  pin(child.pid, SERVER_CPU);
  return {
    port,
    cpu: () => new Promise((resolve) => {
      child.once('message', (m) => resolve(((m as NodeJS.CpuUsage).user + (m as NodeJS.CpuUsage).system) / 1e6));
      child.send('cpu');
    }),
  };
}

/** CPU seconds (user + system) of a process, from /proc (the upstream has no IPC channel). */
function procCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

async function startUpstream(): Promise<{ port: number; cpu(): Promise<number> }> {
  const child = spawn(process.execPath, [join(here, 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await waitPort(child);
  pin(child.pid, SERVER_CPU);
  return { port, cpu: async () => procCpu(child.pid!) };
}

interface LoadResult { sent: number; ok: number; errors: number; rps: number; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number }

function load(url: string, body: string, mode: { rate: number } | { concurrency: number }): Promise<LoadResult> {
  const cmd = hasTaskset ? 'taskset' : process.execPath;
  const argv = [...(hasTaskset ? ['-c', LOAD_CPU, process.execPath] : []), join(here, 'load.mjs'), JSON.stringify({ url, body, seconds, ...mode })];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited ${code}`))));
  });
}

type Measured = LoadResult & { coresPer1k: number };

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Median of each figure over the rounds. */
function med(rs: Measured[]): Measured {
  const m = (k: keyof Measured) => median(rs.map((r) => r[k]));
  return { sent: m('sent'), ok: m('ok'), errors: rs.reduce((a, r) => a + r.errors, 0), rps: Math.round(m('rps')), p50Ms: m('p50Ms'), p90Ms: m('p90Ms'), p99Ms: m('p99Ms'), maxMs: m('maxMs'), coresPer1k: m('coresPer1k') };
}

/** Interleaves the runs of the arms for `rounds` rounds; returns the medians, in order. */
async function interleaved(...arms: (() => Promise<Measured>)[]): Promise<Measured[]> {
  const results: Measured[][] = arms.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (let a = 0; a < arms.length; a++) results[a].push(await arms[a]());
  }
  return results.map(med);
}

/** Runs load while measuring the CPU seconds a server process used. */
async function measured(server: { cpu(): Promise<number> } | undefined, run: () => Promise<LoadResult>): Promise<Measured> {
  const before = server ? await server.cpu() : 0;
  const r = await run();
  const cpu = server ? (await server.cpu()) - before : 0;
  // CPU over the whole run (warm-up included) divided by the measured window: slightly pessimistic.
  return { ...r, coresPer1k: server ? (cpu / (seconds + 1)) / (r.rps / 1000) : NaN };
}

/** A sink for OTLP/HTTP traces so the embedded sidecar exports spans for real. */
async function otlpSink(): Promise<{ url: string; spans: () => number; close(): void }> {
  let batches = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      batches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans: () => batches, close: () => server.close() };
}

const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-'));
  try {
    const modelPath = join(dir, 'bench.onnx');
    writeFileSync(modelPath, buildDenseModel({
      inputName: 'input', featureNames: FEATURES, outputName: 'probabilities', classLabels: CLASSES,
      weights: FEATURES.map((_, i) => CLASSES.map((__, j) => ((i * 7 + j * 3) % 11) / 10 - 0.5)), bias: CLASSES.map(() => 0),
    }));
    const baselinePath = join(dir, 'baseline.json');
    writeFileSync(baselinePath, JSON.stringify(baselineFor('bench')));
    const body = requestBody(1);
    console.log(`sidecar benchmark: ${rounds} interleaved rounds of ${seconds}s per path (medians shown), 20-feature OIP requests ` +
      `(${Buffer.byteLength(body)} bytes), ${hasTaskset ? 'servers pinned to core 0, load generator to core 1' : 'processes unpinned'}, ` +
      `load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);

    // 1. proxy
    const up = await startUpstream();
    const upstream = `http://127.0.0.1:${up.port}`;
    const proxy = await startServer('sidecar', JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath }));
    const bareProxy = await startServer('bare-proxy', upstream);
    const direct = `${upstream}/v2/models/bench/infer`;
    const via = `http://127.0.0.1:${proxy.port}/v2/models/bench/infer`;
    const viaBare = `http://127.0.0.1:${bareProxy.port}/v2/models/bench/infer`;
    const [d1k, b1k, s1k] = await interleaved(
      () => measured(up, () => load(direct, body, { rate: 1000 })),
      () => measured(bareProxy, () => load(viaBare, body, { rate: 1000 })),
      () => measured(proxy, () => load(via, body, { rate: 1000 })));
    const [dSat, bSat, sSat] = await interleaved(
      () => measured(up, () => load(direct, body, { concurrency: 32 })),
      () => measured(bareProxy, () => load(viaBare, body, { concurrency: 32 })),
      () => measured(proxy, () => load(via, body, { concurrency: 32 })));
    console.log('## 1. proxy mode (same upstream, direct vs through the sidecar)\n');
    console.log('| load | path | req/s | p50 ms | p99 ms | cores per 1k req/s (of the process in front: upstream, bare proxy or sidecar) |');
    console.log('|---|---|---|---|---|---|');
    const rows = [
      ['1,000 req/s', 'direct', d1k], ['1,000 req/s', 'bare node:http proxy (no monitoring)', b1k], ['1,000 req/s', 'modelwatch sidecar', s1k],
      ['saturation (32 conns)', 'direct', dSat], ['saturation (32 conns)', 'bare node:http proxy (no monitoring)', bSat], ['saturation (32 conns)', 'modelwatch sidecar', sSat],
    ] as const;
    for (const [load, path, r] of rows) console.log(`| ${load} | ${path} | ${r.rps} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.coresPer1k)} |`);
    console.log(`\nsidecar vs direct at 1,000 req/s: p50 +${f(s1k.p50Ms - d1k.p50Ms)} ms, p99 +${f(s1k.p99Ms - d1k.p99Ms)} ms; ` +
      `bare proxy vs direct: p50 +${f(b1k.p50Ms - d1k.p50Ms)} ms, p99 +${f(b1k.p99Ms - d1k.p99Ms)} ms\n` +
      `throughput ratio at saturation: sidecar/direct ${f(sSat.rps / dSat.rps, 2)}, sidecar/bare proxy ${f(sSat.rps / bSat.rps, 2)}; ` +
      `errors ${[d1k, b1k, s1k, dSat, bSat, sSat].reduce((a, r) => a + r.errors, 0)}\n`);

    // 2. embedded
    const sink = await otlpSink();
    const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
    const emb = await startServer('sidecar', JSON.stringify({ model: modelPath, name: 'bench', port: 0, baseline: baselinePath }), env);
    const bare = await startServer('bare', modelPath);
    const noTrace = await startServer('sidecar', JSON.stringify({ model: modelPath, name: 'bench', port: 0, baseline: baselinePath }), { ...process.env, OTEL_TRACES_EXPORTER: 'none' });
    const [bareSat, embSat, metricsOnly] = await interleaved(
      () => measured(bare, () => load(`http://127.0.0.1:${bare.port}/v2/models/bench/infer`, body, { concurrency: 32 })),
      () => measured(emb, () => load(`http://127.0.0.1:${emb.port}/v2/models/bench/infer`, body, { concurrency: 32 })),
      () => measured(noTrace, () => load(`http://127.0.0.1:${noTrace.port}/v2/models/bench/infer`, body, { concurrency: 32 })));
    sink.close();
    console.log('## 2. embedded mode (saturation, 32 connections)\n');
    console.log('| server | req/s | p50 ms | p99 ms | cores per 1k req/s |');
    console.log('|---|---|---|---|---|');
    console.log(`| bare node:http + onnxruntime | ${bareSat.rps} | ${f(bareSat.p50Ms)} | ${f(bareSat.p99Ms)} | ${f(bareSat.coresPer1k)} |`);
    console.log(`| modelwatch sidecar, all telemetry (metrics + OTLP traces) | ${embSat.rps} | ${f(embSat.p50Ms)} | ${f(embSat.p99Ms)} | ${f(embSat.coresPer1k)} |`);
    console.log(`| modelwatch sidecar, metrics only (OTEL_TRACES_EXPORTER=none) | ${metricsOnly.rps} | ${f(metricsOnly.p50Ms)} | ${f(metricsOnly.p99Ms)} | ${f(metricsOnly.coresPer1k)} |`);
    console.log(`\nthroughput ratio sidecar / bare: ${f(embSat.rps / bareSat.rps, 2)} with all telemetry, ` +
      `${f(metricsOnly.rps / bareSat.rps, 2)} with metrics only (OTLP batches received: ${sink.spans()})\n`);

    // 3. telemetry cost
    console.log('## 3. telemetry cost per request (20 features, 1 row, in-process)\n');
    console.log('| step | µs per request |');
    console.log('|---|---|');
    for (const [step, us] of benchTelemetry()) console.log(`| ${step} | ${f(us, 2)} |`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

/**
 * Sidecar benchmarks, side by side in one run (npx tsx bench/sidecar/run.ts [--seconds N]):
 *  1. proxy: the same upstream called directly vs through the sidecar, at 1,000 req/s and at saturation
 *  2. embedded: sidecar (all telemetry on, traces exported over OTLP/HTTP) vs a bare node:http server
 *     calling the same ONNX session
 *  3. telemetry cost per request for 20 features (in-process micro-benchmark, see telemetry-cost.ts)
 * Every server and the load generator run in separate processes; with 2 cores, the load generator
 * is pinned to core 1 and the servers to core 0 (taskset) so the generator never steals server CPU.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDenseModel } from '../../examples/src/onnx-builder.js';
import { benchTelemetry } from './telemetry-cost.js';
import { FEATURES, CLASSES, requestBody, baselineFor } from './workload.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] || 10) || 10;
const hasTaskset = (() => {
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

async function startServer(kind: 'sidecar' | 'bare', arg: string, env: NodeJS.ProcessEnv = process.env): Promise<{ port: number; cpu(): Promise<number> }> {
  const child = fork(join(here, 'servers.ts'), [kind, arg], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env });
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

async function startUpstream(): Promise<number> {
  const child = spawn(process.execPath, [join(here, 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const port = await waitPort(child);
  pin(child.pid, SERVER_CPU);
  return port;
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

/** Runs load while measuring the CPU seconds a server process used. */
async function measured(server: { cpu(): Promise<number> } | undefined, run: () => Promise<LoadResult>) {
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
    console.log(`sidecar benchmark: ${seconds}s per run, 20-feature OIP requests (${Buffer.byteLength(body)} bytes), ` +
      `${hasTaskset ? 'servers pinned to core 0, load generator to core 1' : 'no taskset: processes unpinned'}\n`);

    // 1. proxy
    const upstreamPort = await startUpstream();
    const upstream = `http://127.0.0.1:${upstreamPort}`;
    const proxy = await startServer('sidecar', JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath }));
    const direct = `${upstream}/v2/models/bench/infer`;
    const via = `http://127.0.0.1:${proxy.port}/v2/models/bench/infer`;
    const d1k = await measured(undefined, () => load(direct, body, { rate: 1000 }));
    const s1k = await measured(proxy, () => load(via, body, { rate: 1000 }));
    const dSat = await measured(undefined, () => load(direct, body, { concurrency: 32 }));
    const sSat = await measured(proxy, () => load(via, body, { concurrency: 32 }));
    console.log('## 1. proxy mode (same upstream, direct vs through the sidecar)\n');
    console.log('| load | path | req/s | p50 ms | p99 ms | sidecar cores per 1k req/s |');
    console.log('|---|---|---|---|---|---|');
    for (const [load, path, r] of [['1,000 req/s', 'direct', d1k], ['1,000 req/s', 'sidecar', s1k], ['saturation (32 conns)', 'direct', dSat], ['saturation (32 conns)', 'sidecar', sSat]] as const) {
      console.log(`| ${load} | ${path} | ${r.rps} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${path === 'sidecar' ? f(r.coresPer1k) : ''} |`);
    }
    console.log(`\nadded latency at 1,000 req/s: p50 +${f(s1k.p50Ms - d1k.p50Ms)} ms, p99 +${f(s1k.p99Ms - d1k.p99Ms)} ms; ` +
      `throughput ratio at saturation ${f(sSat.rps / dSat.rps, 2)}; errors ${d1k.errors + s1k.errors + dSat.errors + sSat.errors}\n`);

    // 2. embedded
    const sink = await otlpSink();
    const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
    const emb = await startServer('sidecar', JSON.stringify({ model: modelPath, name: 'bench', port: 0, baseline: baselinePath }), env);
    const bare = await startServer('bare', modelPath);
    const bareSat = await measured(bare, () => load(`http://127.0.0.1:${bare.port}/v2/models/bench/infer`, body, { concurrency: 32 }));
    const embSat = await measured(emb, () => load(`http://127.0.0.1:${emb.port}/v2/models/bench/infer`, body, { concurrency: 32 }));
    sink.close();
    console.log('## 2. embedded mode (saturation, 32 connections)\n');
    console.log('| server | req/s | p50 ms | p99 ms | cores per 1k req/s |');
    console.log('|---|---|---|---|---|');
    console.log(`| bare node:http + onnxruntime | ${bareSat.rps} | ${f(bareSat.p50Ms)} | ${f(bareSat.p99Ms)} | ${f(bareSat.coresPer1k)} |`);
    console.log(`| modelwatch sidecar, all telemetry (metrics + OTLP traces) | ${embSat.rps} | ${f(embSat.p50Ms)} | ${f(embSat.p99Ms)} | ${f(embSat.coresPer1k)} |`);
    console.log(`\nthroughput ratio sidecar / bare: ${f(embSat.rps / bareSat.rps, 2)} (OTLP batches received: ${sink.spans()})\n`);

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

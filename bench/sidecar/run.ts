/**
 * Sidecar benchmarks, side by side in one run:
 *   npx tsc -b && npx tsx bench/sidecar/run.ts [--seconds 5] [--rounds 3] [--pin] [--proxy-only] [--cpu-prof]
 * (--cpu-prof: every modelwatch server process writes a V8 CPU profile into a directory printed at
 * the end; `node bench/sidecar/profile-top.mjs <dir>/<file>` lists its self and inclusive times)
 * (the servers run the compiled sidecar from sidecar/dist, as `modelwatch sidecar` does)
 *  1. proxy: the same upstream called directly, through nginx (Debian, proxy_pass), through nginx with
 *     the modelwatch tap (deploy/nginx, copies to `--tap nginx`), through a bare node:http forwarder and
 *     through the sidecar (its own HTTP/1.1 server, and node:http as the server: MODELWATCH_HTTP_SERVER=node);
 *     at 1,000 req/s with two load generators (the open-loop one, and `hey` with
 *     10 connections whose workers fire together: bursty arrivals), and at saturation (with --workers 2);
 *     Node's floor as a side (a raw net forwarder: Content-Length framing only, no monitoring); and
 *     saturation again in front of a realistic model server (node:http + onnxruntime, the bench's model)
 *  2. embedded: sidecar (all telemetry on, traces exported over OTLP/HTTP) vs a bare node:http server
 *     calling the same ONNX session
 *  3. telemetry cost per request for 20 features (in-process micro-benchmark, see telemetry-cost.ts)
 * Every server and the load generator run in separate processes. Each comparison runs in interleaved
 * rounds (direct, sidecar, direct, sidecar…) and reports the median per path, so a burst of load
 * from elsewhere on the machine hits both sides alike. `--pin` pins the servers to core 0 and the
 * load generator to core 1 (taskset): fairer on an idle 2-core machine, worse on a shared one.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx, type NginxProcess } from '../../sidecar/test/tap/fixtures/nginx.js';
import { firstLine, fmt as f, hey, loadGen, median, procCpu, treeCpu, type LoadMode, type LoadResult } from './harness.js';
import { benchExport, benchTelemetry } from './telemetry-cost.js';
import { requestBody, writeBenchFiles } from './workload.js';

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
const profileDir = args.includes('--cpu-prof') ? mkdtempSync(join(tmpdir(), 'mw-bench-prof-')) : undefined;
const nginxes: NginxProcess[] = [];

function pin(pid: number | undefined, cpu: string): void {
  if (hasTaskset && pid) execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
}

interface Server { port: number; tapPort?: number; cpu(): Promise<number> }

async function startServer(kind: 'sidecar' | 'bare' | 'bare-proxy' | 'raw-proxy' | 'workers', arg: string, env: NodeJS.ProcessEnv = process.env): Promise<Server> {
  // Profiles are named after the side's port, printed with the tables (servers exit on SIGTERM, which writes them).
  const execArgv = profileDir && kind !== 'bare' && kind !== 'bare-proxy' && kind !== 'raw-proxy' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = fork(join(here, 'servers.mjs'), [kind, arg], { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env });
  children.push(child);
  const { port, tapPort } = await firstLine<{ port: number; tapPort?: number }>(child);
  pin(child.pid, SERVER_CPU);
  // The process and its children: --workers forks the workers from this process.
  return { port, ...(tapPort ? { tapPort } : {}), cpu: async () => treeCpu(child.pid!) };
}

async function startUpstream(): Promise<{ port: number; cpu(): Promise<number> }> {
  const child = spawn(process.execPath, [join(here, 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const { port } = await firstLine(child);
  pin(child.pid, SERVER_CPU);
  return { port, cpu: async () => procCpu(child.pid!) };
}

const load = (url: string, body: string, mode: LoadMode) => loadGen(url, body, mode, { seconds, ...(hasTaskset ? { cpu: LOAD_CPU } : {}) });

type Measured = LoadResult & { coresPer1k: number };

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
async function measured(server: { cpu(): Promise<number> } | undefined, run: () => Promise<LoadResult>, warmupSeconds = 1): Promise<Measured> {
  const before = server ? await server.cpu() : 0;
  const r = await run();
  const cpu = server ? (await server.cpu()) - before : 0;
  // CPU over the whole run (load.mjs's 1 s warm-up included; hey has none) over its wall time.
  return { ...r, coresPer1k: server ? (cpu / (seconds + warmupSeconds)) / (r.rps / 1000) : NaN };
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

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-'));
  try {
    const { modelPath, baselinePath } = writeBenchFiles(dir);
    const body = requestBody(1);
    console.log(`sidecar benchmark: ${rounds} interleaved rounds of ${seconds}s per path (medians shown), 20-feature OIP requests ` +
      `(${Buffer.byteLength(body)} bytes), ${hasTaskset ? 'servers pinned to core 0, load generator to core 1' : 'processes unpinned'}, ` +
      `load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);

    // 1. proxy
    const up = await startUpstream();
    const upstream = `http://127.0.0.1:${up.port}`;
    const proxy = await startServer('sidecar', JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath }));
    const bareProxy = await startServer('bare-proxy', upstream);
    // Node's own floor: raw net sockets, Content-Length framing, nothing else (what any Node proxy costs here).
    const rawProxy = await startServer('raw-proxy', upstream);
    // The same sidecar with node:http as the upstream client instead of the raw socket pool.
    const nodeClient = await startServer('sidecar', JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath }), { ...process.env, MODELWATCH_UPSTREAM_CLIENT: 'node' });
    // The same sidecar with node:http as its server (the fallback) instead of its own HTTP/1.1 server.
    const nodeServer = await startServer('sidecar', JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath }), { ...process.env, MODELWATCH_HTTP_SERVER: 'node' });
    const tap = await startServer('sidecar', JSON.stringify({ tap: 'nginx', tapPort: 0, name: 'bench', port: 0, baseline: baselinePath }));
    nginxes.push(await startNginx({ upstream }), await startNginx({ upstream, tap: `127.0.0.1:${tap.tapPort}` }));
    const [nginx, nginxTap] = nginxes;
    const nginxCpu = (n: NginxProcess) => ({ cpu: async () => treeCpu(n.child.pid!) });
    const withTap = { cpu: async () => treeCpu(nginxTap.child.pid!) + (await tap.cpu()) };
    const path = '/v2/models/bench/infer';
    const direct = `${upstream}${path}`;
    const via = `http://127.0.0.1:${proxy.port}${path}`;
    const viaBare = `http://127.0.0.1:${bareProxy.port}${path}`;
    const viaNginx = `${nginx.url}${path}`;
    const viaTap = `${nginxTap.url}${path}`;
    const bodyFile = join(dir, 'body.json');
    writeFileSync(bodyFile, body);

    const sides = [
      ['direct', up, direct], ['nginx proxy_pass', nginxCpu(nginx), viaNginx], ['nginx + modelwatch tap (CPU: nginx + tap sidecar)', withTap, viaTap],
      ['bare node:http proxy (no monitoring)', bareProxy, viaBare], ['modelwatch sidecar inline', proxy, via],
      ['modelwatch sidecar inline, node:http upstream client', nodeClient, `http://127.0.0.1:${nodeClient.port}${path}`],
      ['modelwatch sidecar inline, node:http server', nodeServer, `http://127.0.0.1:${nodeServer.port}${path}`],
      ['raw net forwarder (Node floor, no HTTP beyond Content-Length, no monitoring)', rawProxy, `http://127.0.0.1:${rawProxy.port}${path}`],
    ] as const;
    const open = await interleaved(...sides.map(([, server, url]) => () => measured(server, () => load(url, body, { rate: 1000 }))));
    const bursty = await interleaved(...sides.map(([, server, url]) => () => measured(server, () => hey(url, bodyFile, { seconds, rate: 1000, ...(hasTaskset ? { cpu: LOAD_CPU } : {}) }), 0)));
    const workers = await startServer('workers', JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath, workers: 2 }));
    const viaWorkers = `http://127.0.0.1:${workers.port}${path}`;
    // --workers 2 with the kernel spreading connections (NODE_CLUSTER_SCHED_POLICY=none: the workers
    // accept on one shared socket; Node 20 has no SO_REUSEPORT) instead of the primary's round-robin.
    const shared = await startServer('workers', JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath, workers: 2 }), { ...process.env, NODE_CLUSTER_SCHED_POLICY: 'none' });
    const satSides = [
      ['direct', up, direct], ['nginx proxy_pass (1 worker)', nginxCpu(nginx), viaNginx], ['modelwatch sidecar inline', proxy, via],
      ['modelwatch sidecar inline --workers 2', workers, viaWorkers],
      ['modelwatch sidecar inline --workers 2, shared accept (sched none)', shared, `http://127.0.0.1:${shared.port}${path}`],
      ['modelwatch sidecar inline, node:http server', nodeServer, `http://127.0.0.1:${nodeServer.port}${path}`],
    ] as const;
    const sat = await interleaved(...satSides.map(([, server, url]) => () => measured(server, () => load(url, body, { concurrency: 32 }))));
    // The same at saturation in front of a realistic model server (node:http + onnxruntime running the
    // bench's ONNX model, servers.mjs bare) instead of the stub that costs almost nothing per call.
    const onnx = await startServer('bare', modelPath);
    const onnxUpstream = `http://127.0.0.1:${onnx.port}`;
    const onnxProxy = await startServer('sidecar', JSON.stringify({ upstream: onnxUpstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath }));
    const onnxWorkers = await startServer('workers', JSON.stringify({ upstream: onnxUpstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath, workers: 2 }));
    nginxes.push(await startNginx({ upstream: onnxUpstream }));
    const onnxNginx = nginxes[nginxes.length - 1];
    const onnxSides = [
      ['direct (onnxruntime model server)', onnx, `${onnxUpstream}${path}`], ['nginx proxy_pass (1 worker)', nginxCpu(onnxNginx), `${onnxNginx.url}${path}`],
      ['modelwatch sidecar inline', onnxProxy, `http://127.0.0.1:${onnxProxy.port}${path}`],
      ['modelwatch sidecar inline --workers 2', onnxWorkers, `http://127.0.0.1:${onnxWorkers.port}${path}`],
    ] as const;
    const satOnnx = await interleaved(...onnxSides.map(([, server, url]) => () => measured(server, () => load(url, body, { concurrency: 32 }))));

    console.log('## 1. proxy mode (same upstream; direct, nginx, nginx + tap, bare forwarder, sidecar)\n');
    console.log('CPU is that of the process(es) in front of the upstream (for direct: the upstream itself).\n');
    console.log('| load | path | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | cores per 1k req/s |');
    console.log('|---|---|---|---|---|---|---|---|');
    const table = (label: string, names: readonly (readonly [string, unknown, string])[], rs: Measured[]) => {
      rs.forEach((r, i) => console.log(`| ${label} | ${names[i][0]} | ${r.rps} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${i === 0 ? '' : f(r.p50Ms - rs[0].p50Ms)} | ${i === 0 ? '' : f(r.p99Ms - rs[0].p99Ms)} | ${f(r.coresPer1k)} |`));
    };
    table('1,000 req/s open loop', sides, open);
    table('1,000 req/s hey -c 10 (bursty)', sides, bursty);
    table('saturation (32 conns)', satSides, sat);
    table('saturation (32 conns), onnxruntime upstream', onnxSides, satOnnx);
    const goals = (label: string, rs: Measured[]) => {
      const [d, n, t, , s] = rs;
      const add = (r: Measured, k: 'p50Ms' | 'p99Ms') => r[k] - d[k];
      console.log(`\n${label}: inline/nginx added p50 ${f(add(s, 'p50Ms') / add(n, 'p50Ms'), 2)}× (goal ≤ 1.5), added p99 ${f(add(s, 'p99Ms') / add(n, 'p99Ms'), 2)}× (goal ≤ 2), ` +
        `CPU per 1k ${f(s.coresPer1k / n.coresPer1k, 2)}× (goal ≤ 2); tap vs plain nginx added p50 ${f(add(t, 'p50Ms') - add(n, 'p50Ms'))} ms (goal within 0.05)`);
      const ns = rs[6];
      console.log(`${label}: own HTTP server vs node:http server, same sidecar: added p50 ${f(add(s, 'p50Ms'))} vs ${f(add(ns, 'p50Ms'))} ms, ` +
        `added p99 ${f(add(s, 'p99Ms'))} vs ${f(add(ns, 'p99Ms'))} ms, CPU per 1k ${f(s.coresPer1k)} vs ${f(ns.coresPer1k)} (${f(s.coresPer1k / ns.coresPer1k, 2)}×)`);
    };
    goals('open loop', open);
    goals('hey (bursty)', bursty);
    console.log(`saturation: sidecar --workers 2 / direct ${f(sat[3].rps / sat[0].rps, 2)} (goal ≥ 0.7; shared accept ${f(sat[4].rps / sat[0].rps, 2)}), ` +
      `sidecar (1 process) / direct ${f(sat[2].rps / sat[0].rps, 2)}, with node:http as its server ${f(sat[5].rps / sat[0].rps, 2)}, nginx / direct ${f(sat[1].rps / sat[0].rps, 2)}; ` +
      `errors ${[...open, ...bursty, ...sat, ...satOnnx].reduce((a, r) => a + r.errors, 0)}`);
    console.log(`saturation, onnxruntime upstream: sidecar --workers 2 / direct ${f(satOnnx[3].rps / satOnnx[0].rps, 2)} (goal ≥ 0.7), ` +
      `sidecar (1 process) / direct ${f(satOnnx[2].rps / satOnnx[0].rps, 2)}, nginx / direct ${f(satOnnx[1].rps / satOnnx[0].rps, 2)}`);
    const floor = (label: string, rs: Measured[]) => console.log(`${label}: CPU per 1k req/s — Node floor (raw net forwarder) / nginx ${f(rs[7].coresPer1k / rs[1].coresPer1k, 2)}×, ` +
      `sidecar / Node floor ${f(rs[4].coresPer1k / rs[7].coresPer1k, 2)}×, bare node:http forwarder / nginx ${f(rs[3].coresPer1k / rs[1].coresPer1k, 2)}×; ` +
      `added p50 of the Node floor ${f(rs[7].p50Ms - rs[0].p50Ms)} ms`);
    floor('open loop', open);
    floor('hey (bursty)', bursty);
    console.log('');

    if (args.includes('--proxy-only')) return;
    // 2. embedded
    const sink = await otlpSink();
    const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url };
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
    for (const [step, us] of [...benchTelemetry(), ...await benchExport()]) console.log(`| ${step} | ${f(us, 2)} |`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    if (profileDir) console.log(`\nCPU profiles (CPU.<date>.<pid>…): ${profileDir}; pids ${children.map((c) => c.pid).join(' ')} in start order`);
    await Promise.all(nginxes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

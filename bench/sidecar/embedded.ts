/**
 * Embedded mode with every request traced vs a bare node:http + onnxruntime server, side by side
 * (issue 13's goal: traced ≥ 0.8× bare):
 *   npx tsc -b && npx tsx bench/sidecar/embedded.ts [--seconds 4] [--rounds 3] [--concurrency 32] [--all]
 * Sides, each its own process, in interleaved rounds (medians shown):
 *   bare                 bench/sidecar/servers.mjs bare: node:http + the same ONNX session
 *   traced               the sidecar, all telemetry, every request traced, spans exported by our
 *                        OTLP exporter (protobuf, the default), inference calls on its own HTTP/1.1
 *                        server (the default)
 *   traced, node:http    the same with MODELWATCH_HTTP_SERVER=node (the server before the own one)
 *   metrics only         the sidecar with OTEL_TRACES_EXPORTER=none
 *   with --all also:     traced with OTEL_EXPORTER_OTLP_PROTOCOL=http/json; traced "before" (SDK spans
 *                        + @opentelemetry/exporter-trace-otlp-http, sdk-traced-sidecar.mjs, node:http);
 *                        traced with batches posted from a worker thread (MODELWATCH_TRACE_EXPORT_THREAD=1)
 * Each traced side exports to its own OTLP sink process (otlp-sink.mjs), whose counts are shown so
 * a side that silently stopped exporting would show. The load generator (load.mjs, closed loop)
 * runs in its own process too. CPU per 1k req/s is the server process's process.cpuUsage(); at
 * saturation the server's one thread is the bottleneck, so µs of server CPU per request (shown)
 * explains the throughput ratio and is less sensitive to other load on the machine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine, fmt as f, loadGen, median } from './harness.js';
import { requestBody, writeBenchFiles } from './workload.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const seconds = flag('--seconds', 4);
const rounds = flag('--rounds', 3);
const concurrency = flag('--concurrency', 32);
const all = args.includes('--all');
const children: ChildProcess[] = [];

interface Proc { child: ChildProcess; port: number }

async function start(script: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Proc> {
  const child = fork(join(here, script), argv, { execArgv: [], stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env });
  children.push(child);
  const { port } = await firstLine(child);
  return { child, port };
}

function ask<T>(p: Proc, message: string): Promise<T> {
  return new Promise((resolve) => {
    p.child.once('message', (m) => resolve(m as T));
    p.child.send(message);
  });
}

const cpuSeconds = async (p: Proc) => {
  const u = await ask<{ user: number; system: number }>(p, 'cpu');
  return (u.user + u.system) / 1e6;
};

const load = (url: string, body: string) => loadGen(url, body, { concurrency }, { seconds });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-embedded-bench-'));
  try {
    const { modelPath, baselinePath } = writeBenchFiles(dir);
    const body = requestBody(1);
    const config = JSON.stringify({ model: modelPath, name: 'bench', port: 0, baseline: baselinePath });
    const before = loadavg();

    const sinks = await Promise.all((all ? [0, 1, 2, 3, 4] : [0, 1]).map(() => start('otlp-sink.mjs', [])));
    const endpoint = (i: number) => ({ ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinks[i].port}`, OTEL_TRACES_EXPORTER: 'otlp' });
    const nodeHttp = { MODELWATCH_HTTP_SERVER: 'node' };
    const sides: [string, Proc, Proc | undefined][] = [
      ['bare node:http + onnxruntime', await start('servers.mjs', ['bare', modelPath]), undefined],
      ['sidecar, every request traced (our OTLP exporter, protobuf), own HTTP/1.1 server', await start('servers.mjs', ['sidecar', config], { ...endpoint(0), OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }), sinks[0]],
      ['sidecar, every request traced (our OTLP exporter, protobuf), node:http server', await start('servers.mjs', ['sidecar', config], { ...endpoint(1), OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', ...nodeHttp }), sinks[1]],
      ['sidecar, metrics only (OTEL_TRACES_EXPORTER=none), own HTTP/1.1 server', await start('servers.mjs', ['sidecar', config], { ...process.env, OTEL_TRACES_EXPORTER: 'none' }), undefined],
    ];
    if (all) {
      sides.push(
        ['sidecar, every request traced, our OTLP exporter (http/json)', await start('servers.mjs', ['sidecar', config], { ...endpoint(2), OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), sinks[2]],
        ['sidecar, every request traced, before: SDK spans + OTel JSON exporter, node:http server', await start('sdk-traced-sidecar.mjs', [config], { ...endpoint(3), ...nodeHttp }), sinks[3]],
        ['sidecar, every request traced (protobuf), batches posted from a worker thread', await start('servers.mjs', ['sidecar', config], { ...endpoint(4), MODELWATCH_TRACE_EXPORT_THREAD: '1' }), sinks[4]],
      );
    }
    // The receivers' own start-up CPU is not theirs to carry: counted from here.
    const sinkStart = await Promise.all(sides.map(([, , sink]) => (sink ? ask<{ cpuMicros: number }>(sink, 'stats') : undefined)));
    const results: { rps: number[]; p50: number[]; p99: number[]; cores: number[]; errors: number }[] = sides.map(() => ({ rps: [], p50: [], p99: [], cores: [], errors: 0 }));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < sides.length; i++) {
        const server = sides[i][1];
        const c0 = await cpuSeconds(server);
        const res = await load(`http://127.0.0.1:${server.port}/v2/models/bench/infer`, body);
        const cpu = (await cpuSeconds(server)) - c0;
        // load.mjs warms up for 1 s before measuring `seconds`.
        results[i].rps.push(res.rps);
        results[i].p50.push(res.p50Ms);
        results[i].p99.push(res.p99Ms);
        results[i].cores.push(cpu / (seconds + 1) / (res.rps / 1000));
        results[i].errors += res.errors;
      }
    }
    const exported = await Promise.all(sides.map(([, , sink]) => (sink ? ask<{ requests: number; bytes: number; cpuMicros: number }>(sink, 'stats') : undefined)));
    const after = loadavg();

    console.log(`embedded benchmark: ${rounds} interleaved rounds of ${seconds} s per side, ${concurrency} connections (closed loop), ` +
      `20-feature OIP requests; load average ${before.map((l) => l.toFixed(2)).join(' ')} at start, ${after.map((l) => l.toFixed(2)).join(' ')} at end, ${cpus().length} cores\n`);
    console.log('| server | req/s | p50 ms | p99 ms | server CPU µs per request | / bare | OTLP requests (MB) received |');
    console.log('|---|---|---|---|---|---|---|');
    const bare = median(results[0].rps);
    sides.forEach(([name], i) => {
      const r = results[i];
      const e = exported[i];
      console.log(`| ${name} | ${Math.round(median(r.rps))} | ${f(median(r.p50))} | ${f(median(r.p99))} | ${f(median(r.cores) * 1000, 1)} | ${f(median(r.rps) / bare, 2)} | ${e ? `${e.requests} (${(e.bytes / 1e6).toFixed(1)})` : ''} |`);
    });
    const m = (i: number) => median(results[i].rps);
    const cpu = (i: number) => median(results[i].cores);
    console.log(`\ntraced / bare ${f(m(1) / bare, 2)} (goal ≥ 0.8); traced on node:http / bare ${f(m(2) / bare, 2)}; metrics only / bare ${f(m(3) / bare, 2)}; ` +
      `traced / metrics only ${f(m(1) / m(3), 2)}; errors ${results.reduce((a, r) => a + r.errors, 0)}`);
    // The receiver runs on the same cores: its CPU per traced request is taken from the server under test.
    const served = (i: number) => results[i].rps.reduce((a, v) => a + v * (seconds + 1), 0);
    console.log(`OTLP receiver CPU per traced request: ${f((exported[1]!.cpuMicros - sinkStart[1]!.cpuMicros) / served(1), 2)} µs (own server side), ${f((exported[2]!.cpuMicros - sinkStart[2]!.cpuMicros) / served(2), 2)} µs (node:http side)`);
    console.log(`server CPU per request / bare's: traced ${f(cpu(1) / cpu(0), 2)}, traced on node:http ${f(cpu(2) / cpu(0), 2)}, metrics only ${f(cpu(3) / cpu(0), 2)}`);
    // Per-round ratios: the same round's bare run is the fairest reference on a shared machine.
    const perRound = (i: number) => results[i].rps.map((v, k) => f(v / results[0].rps[k], 2)).join(', ');
    console.log(`per-round / bare: traced ${perRound(1)}; traced on node:http ${perRound(2)}; metrics only ${perRound(3)}`);
    if (all) console.log(`--all: http/json / bare ${f(m(4) / bare, 2)}; before (SDK) / bare ${f(m(5) / bare, 2)}; export thread / bare ${f(m(6) / bare, 2)}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

/**
 * Where a proxied request's CPU goes, per side, in one run: user and system µs per request of the
 * process(es) in front of the upstream (from /proc), and optionally the syscalls per request
 * (`--strace`: `strace -c -f` attached during the measured seconds; strace slows the traced
 * process, so its CPU figures are taken in a separate, untraced pass).
 *   npx tsc -b && npx tsx bench/sidecar/per-request.ts [--seconds 4] [--rounds 2] [--rate 1000] [--strace] [--sides raw,nginx,sidecar]
 * `--burst 10`: load.mjs sends its requests in bursts of 10 fired together (hey -c 10's arrivals, µs resolution).
 * `--hey`: hey -c 10 at the same rate instead of the open-loop load.mjs.
 * `--cpu-prof DIR`: every sidecar side writes a V8 CPU profile into DIR (named CPU.*.<pid>.*.cpuprofile, pids printed);
 *   `node bench/sidecar/profile-top.mjs FILE 40 --requests N` then shows µs of main-thread time per request by function.
 * `--onnx`: the upstream is a node:http + onnxruntime server running the bench's model instead of the stub.
 * Sides: direct (CPU of the upstream), nginx (1 worker), workers (the sidecar with --workers 2), raw (Node's floor: raw net sockets, Content-Length framing, servers.mjs
 * raw-proxy), bare (node:http forwarder), sidecar (own server + raw upstream pool), sidecar:NAME=VALUE[&NAME=VALUE] (with those
 * environment variables).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx, type NginxProcess } from '../../sidecar/test/tap/fixtures/nginx.js';
import { firstLine, hey, loadGen, median, treePids, treeTicks, type LoadResult } from './harness.js';
import { requestBody, writeBenchFiles } from './workload.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const seconds = Number(opt('--seconds', '4'));
const rounds = Number(opt('--rounds', '2'));
const rate = Number(opt('--rate', '1000'));
const concurrency = Number(opt('--concurrency', '0'));
const wanted = opt('--sides', 'nginx,raw,bare,sidecar').split(',');
const children: ChildProcess[] = [];
const nginxes: NginxProcess[] = [];

/** `--hey`: hey for `seconds` + 1, as long as load.mjs runs with its 1 s of warm-up. */
function load(url: string, body: string, bodyFile: string): Promise<LoadResult> {
  if (args.includes('--hey')) return hey(url, bodyFile, { seconds: seconds + 1, rate });
  const burst = Number(opt('--burst', '1'));
  return loadGen(url, body, concurrency > 0 ? { concurrency } : { rate, burst }, { seconds });
}

/** Syscall name → calls, from `strace -c -f` attached to `pid`s for the duration of `run`. */
async function straced(ps: number[], out: string, run: () => Promise<unknown>): Promise<Map<string, number>> {
  const st = spawn('strace', ['-c', '-f', '-o', out, ...ps.flatMap((p) => ['-p', String(p)])], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  await run();
  st.kill('SIGINT');
  await new Promise((r) => st.once('exit', r));
  const counts = new Map<string, number>();
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line);
    if (m && m[2] !== 'total') counts.set(m[2], Number(m[1]));
  }
  return counts;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-perreq-'));
  try {
    const { modelPath, baselinePath } = writeBenchFiles(dir);
    const body = requestBody(1);
    // hey reads the body from a file; strace writes its counts next to it (all under `dir`, removed at exit).
    const bodyFile = join(dir, 'body.json');
    writeFileSync(bodyFile, body);
    console.log(`per-request CPU, ${rounds} rounds of ${seconds}s at ${concurrency > 0 ? `${concurrency} connections (closed loop)` : args.includes('--hey') ? `${rate} req/s, hey -c 10` : `${rate} req/s open loop${Number(opt('--burst', '1')) > 1 ? ` in bursts of ${opt('--burst', '1')}` : ''}`}, ` +
      `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);
    // --onnx: a realistic model server (node:http + onnxruntime running the bench's model) as the upstream.
    const upChild = args.includes('--onnx')
      ? fork(join(here, 'servers.mjs'), ['bare', modelPath], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
      : spawn(process.execPath, [join(here, 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(upChild);
    const upstream = `http://127.0.0.1:${(await firstLine(upChild)).port}`;
    const path = '/v2/models/bench/infer';
    const sides: { name: string; pid: number; url: string }[] = [];
    const profileDir = args.includes('--cpu-prof') ? opt('--cpu-prof', '') : '';
    const fork1 = async (kind: string, arg: string, env: NodeJS.ProcessEnv = process.env) => {
      // Profiles are written when the server exits on SIGTERM (servers.mjs handles it).
      const execArgv = profileDir && (kind === 'sidecar' || kind === 'workers') ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      const c = fork(join(here, 'servers.mjs'), [kind, arg], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env, execArgv });
      children.push(c);
      return { pid: c.pid!, port: (await firstLine(c)).port };
    };
    for (const w of wanted) {
      if (w === 'direct') sides.push({ name: 'direct (CPU: the upstream)', pid: upChild.pid!, url: `${upstream}${path}` });
      else if (w === 'nginx') {
        const n = await startNginx({ upstream });
        nginxes.push(n);
        sides.push({ name: 'nginx proxy_pass (1 worker)', pid: n.child.pid!, url: `${n.url}${path}` });
      } else if (w === 'raw') {
        const s = await fork1('raw-proxy', upstream);
        sides.push({ name: 'raw net forwarder (Node floor)', pid: s.pid, url: `http://127.0.0.1:${s.port}${path}` });
      } else if (w === 'bare') {
        const s = await fork1('bare-proxy', upstream);
        sides.push({ name: 'bare node:http forwarder', pid: s.pid, url: `http://127.0.0.1:${s.port}${path}` });
      } else if (w === 'workers') {
        const s = await fork1('workers', JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath, workers: 2 }));
        sides.push({ name: 'modelwatch sidecar inline --workers 2', pid: s.pid, url: `http://127.0.0.1:${s.port}${path}` });
      } else if (w.startsWith('sidecar')) {
        // `sidecar:NAME=VALUE` runs the sidecar with that environment variable (e.g. MODELWATCH_HTTP_SERVER=node).
        // `sidecar:A=1&B=2` sets both.
        const envVar = w.includes(':') ? w.slice(w.indexOf(':') + 1) : undefined;
        const env = { ...process.env };
        for (const kv of envVar?.split('&') ?? []) env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
        const s = await fork1('sidecar', JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline: baselinePath }), env);
        sides.push({ name: `modelwatch sidecar inline${envVar ? ` (${envVar})` : ''}`, pid: s.pid, url: `http://127.0.0.1:${s.port}${path}` });
      }
    }
    const rows = sides.map(() => ({ user: [] as number[], sys: [] as number[], p50: [] as number[], p99: [] as number[], rps: [] as number[] }));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < sides.length; i++) {
        const [u0, s0] = treeTicks(sides[i].pid);
        const res = await load(sides[i].url, body, bodyFile);
        const [u1, s1] = treeTicks(sides[i].pid);
        // load.mjs runs 1 s of warm-up plus `seconds`; ticks are 10 ms.
        const requests = (res.rps * (seconds + 1));
        rows[i].user.push(((u1 - u0) * 1e4) / requests);
        rows[i].sys.push(((s1 - s0) * 1e4) / requests);
        rows[i].p50.push(res.p50Ms);
        rows[i].p99.push(res.p99Ms);
        rows[i].rps.push(res.rps);
      }
    }
    if (profileDir) console.log(`CPU profiles in ${profileDir}: ${sides.map((s) => `${s.name} = pid ${s.pid}`).join(', ')}\n`);
    console.log('| side | req/s | user µs/req | system µs/req | total µs/req | p50 ms | p99 ms |');
    console.log('|---|---|---|---|---|---|---|');
    sides.forEach((s, i) => {
      const u = median(rows[i].user);
      const y = median(rows[i].sys);
      console.log(`| ${s.name} | ${Math.round(median(rows[i].rps))} | ${u.toFixed(1)} | ${y.toFixed(1)} | ${(u + y).toFixed(1)} | ${median(rows[i].p50).toFixed(3)} | ${median(rows[i].p99).toFixed(3)} |`);
    });
    if (args.includes('--strace')) {
      console.log('\nsyscalls per request (strace -c -f during one measured run):\n');
      const all: Map<string, number>[] = [];
      const reqs: number[] = [];
      for (const [i, s] of sides.entries()) {
        let n = 0;
        all.push(await straced(treePids(s.pid), join(dir, `strace-${i}.txt`), async () => {
          const res = await load(s.url, body, bodyFile);
          n = res.rps * (seconds + 1);
        }));
        reqs.push(n);
      }
      const names = [...new Set(all.flatMap((m) => [...m.keys()]))].sort();
      console.log(`| syscall | ${sides.map((s) => s.name).join(' | ')} |`);
      console.log(`|---|${sides.map(() => '---').join('|')}|`);
      for (const name of names) {
        const v = all.map((m, i) => (m.get(name) ?? 0) / reqs[i]);
        if (v.every((x) => x < 0.01)) continue;
        console.log(`| ${name} | ${v.map((x) => x.toFixed(2)).join(' | ')} |`);
      }
      console.log(`| **all** | ${all.map((m, i) => ([...m.values()].reduce((a, b) => a + b, 0) / reqs[i]).toFixed(2)).join(' | ')} |`);
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(nginxes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

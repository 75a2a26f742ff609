/**
 * The sidecar's own HTTP/1.1 server against node:http as its server, nothing else different: the
 * same compiled sidecar twice in front of one upstream, in interleaved rounds, at a fixed rate
 * (open loop) and at saturation (closed loop, 16 connections). Short and focused; the full
 * comparison with nginx is bench/sidecar/run.ts.
 *   npx tsc -b && npx tsx bench/sidecar/server-ab.ts [--seconds 3] [--rounds 5] [--cpu-prof]
 * CPU is the sidecar process's own (/proc), per request, over the run including load.mjs's 1 s warm-up.
 * --cpu-prof: both sidecars write V8 profiles (directory printed; summarise with profile-top.mjs).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine, loadGen, median, procCpu, type LoadMode } from './harness.js';
import { baselineFor, requestBody } from './workload.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const seconds = flag('--seconds', 3);
const rounds = flag('--rounds', 5);
const profileDir = args.includes('--cpu-prof') ? mkdtempSync(join(tmpdir(), 'mw-server-ab-prof-')) : undefined;
const children: ChildProcess[] = [];

interface Round { rps: number; p50Ms: number; p99Ms: number; usPerRequest: number; errors: number }

const load = (url: string, body: string, mode: LoadMode) => loadGen(url, body, mode, { seconds });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-server-ab-'));
  try {
    const baseline = join(dir, 'baseline.json');
    writeFileSync(baseline, JSON.stringify(baselineFor('bench')));
    const up = spawn(process.execPath, [join(here, 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(up);
    const upstream = `http://127.0.0.1:${(await firstLine(up)).port}`;
    const config = JSON.stringify({ upstream, protocol: 'oip', name: 'bench', port: 0, baseline });
    const start = async (env: NodeJS.ProcessEnv) => {
      const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      const child = fork(join(here, 'servers.mjs'), ['sidecar', config], { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, ...env } });
      children.push(child);
      return { pid: child.pid!, port: (await firstLine(child)).port };
    };
    const sides = [
      { name: 'own HTTP/1.1 server (default)', ...(await start({})) },
      { name: 'node:http server (MODELWATCH_HTTP_SERVER=node)', ...(await start({ MODELWATCH_HTTP_SERVER: 'node' })) },
    ];
    const body = requestBody(1);
    console.log(`server A/B: ${rounds} interleaved rounds of ${seconds}s, load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores\n`);
    console.log('| load | server | req/s | p50 ms | p99 ms | CPU µs per request | errors |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [label, mode] of [['1,000 req/s open loop', { rate: 1000 }], ['saturation (16 conns)', { concurrency: 16 }]] as const) {
      const results = sides.map((): Round[] => []);
      for (let r = 0; r < rounds; r++) {
        for (const [i, s] of sides.entries()) {
          const before = procCpu(s.pid);
          const out = await load(`http://127.0.0.1:${s.port}/v2/models/bench/infer`, body, mode);
          const cpu = procCpu(s.pid) - before;
          results[i].push({ ...out, usPerRequest: (cpu / ((seconds + 1) * out.rps)) * 1e6 });
        }
      }
      for (const [i, s] of sides.entries()) {
        const rs = results[i];
        const m = (k: keyof Round) => median(rs.map((x) => x[k]));
        console.log(`| ${label} | ${s.name} | ${Math.round(m('rps'))} | ${m('p50Ms').toFixed(3)} | ${m('p99Ms').toFixed(3)} | ${m('usPerRequest').toFixed(1)} | ${rs.reduce((a, x) => a + x.errors, 0)} |`);
      }
      const own = median(results[0].map((x) => x.usPerRequest));
      const node = median(results[1].map((x) => x.usPerRequest));
      console.log(`| ${label} | own / node:http | ${(median(results[0].map((x) => x.rps)) / median(results[1].map((x) => x.rps))).toFixed(2)}× | | | ${(own / node).toFixed(2)}× | |`);
    }
    console.log(`\nload average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    if (profileDir) console.log(`CPU profiles: ${profileDir} (pids ${children.slice(1).map((c) => c.pid).join(', ')}: own, node:http)`);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

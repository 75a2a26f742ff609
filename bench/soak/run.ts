/**
 * Soak: an embedded and a proxy sidecar (each `modelwatch sidecar` in its own process) under a
 * steady request rate with random feature values, random categories, junk feature names and
 * random model names in the paths, for a long time. Every 10 s it samples each sidecar's RSS
 * (/proc), the number of series on its /metrics and its event-loop lag (p99, from its own
 * nodejs_eventloop_lag_p99_seconds). Goal: RSS and series flat after warm-up (growth <= 5% between
 * minute 2 and the end).
 *   npx tsc -b && npx tsx bench/soak/run.ts [--minutes 10] [--rate 100] [--sample-seconds 10]
 * `--rate` is requests per second per sidecar. Nothing is asserted: the figures are read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDenseModel } from '../../examples/src/onnx-builder.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const BIN = join(here, '../../cli/bin/modelwatch.js');
const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || dflt : dflt);
const minutes = flag('--minutes', 10);
const rate = flag('--rate', 100);
const sampleSeconds = flag('--sample-seconds', 10);
const children: ChildProcess[] = [];

function startProcess(argv: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (d: Buffer) => {
      out += String(d);
      const m = ready.exec(out);
      if (m) resolve({ child, match: m });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', (d: Buffer) => {
      // The sidecar's rate-limited operator log: kept short, shown if the run fails.
      if (out.length < 100_000) out += String(d);
    });
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited with ${code}: ${out}`)));
  });
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** Series seen per target, to name the families that grew after warm-up. */
const seen = new Map<string, Set<string>>();

async function scrape(name: string, url: string): Promise<{ series: number; lagMs: number; added: string[] }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let series = 0;
  let lag = NaN;
  const known = seen.get(name) ?? new Set<string>();
  const added: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    series++;
    const key = line.slice(0, line.lastIndexOf(' '));
    if (!known.has(key)) {
      if (seen.has(name)) added.push(key.replace(/\{.*/, ''));
      known.add(key);
    }
    if (line.startsWith('nodejs_eventloop_lag_p99_seconds')) lag = Number(line.slice(line.lastIndexOf(' ') + 1)) * 1000;
  }
  seen.set(name, known);
  return { series, lagMs: lag, added };
}

const rand = (n: number) => Math.floor(Math.random() * n);
const word = () => Math.random().toString(36).slice(2, 2 + 1 + rand(8));

/** Embedded: real features with random values, sometimes to another model's path. */
function embeddedRequest(): { path: string; body: string } {
  const rows = 1 + rand(4);
  const data = Array.from({ length: rows * 3 }, () => Math.random() * 100);
  const model = Math.random() < 0.05 ? `other-${word()}` : 'soak';
  return { path: `/v2/models/${model}/infer`, body: JSON.stringify({ inputs: [{ name: 'input', shape: [rows, 3], datatype: 'FP32', data }] }) };
}

/** Proxy (generic JSON): records with random categories and, now and then, junk feature names. */
function proxyRequest(): { path: string; body: string } {
  const rows = 1 + rand(4);
  const instances = Array.from({ length: rows }, () => {
    const r: Record<string, unknown> = { temp: Math.random() * 40 - 10, wind: Math.random() * 20, city: Math.random() < 0.5 ? 'seattle' : `city-${word()}` };
    if (Math.random() < 0.1) r[`junk_${word()}`] = Math.random();
    return r;
  });
  return { path: '/predict', body: JSON.stringify({ instances }) };
}

interface Target {
  name: string;
  url: string;
  pid: number;
  make: () => { path: string; body: string };
}

function driveLoad(targets: Target[], until: number): { statuses: Map<string, number>; done: Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const statuses = new Map<string, number>();
  const bump = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
  const done = new Promise<void>((resolve) => {
    const intervalMs = 1000 / rate;
    let next = performance.now();
    const tick = () => {
      const now = performance.now();
      if (Date.now() >= until) return resolve();
      // Open loop: catch up on the requests due since the last tick (a steady rate whatever the latency).
      while (next <= now) {
        next += intervalMs;
        for (const t of targets) {
          const { path, body } = t.make();
          const u = new URL(t.url);
          const req = http.request({ hostname: u.hostname, port: u.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
            res.resume();
            res.on('end', () => bump(`${t.name} ${res.statusCode}`));
          });
          req.on('error', () => bump(`${t.name} error`));
          req.end(body);
        }
      }
      setTimeout(tick, Math.max(1, next - performance.now()));
    };
    tick();
  });
  return { statuses, done };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-soak-'));
  try {
    const modelPath = join(dir, 'soak.onnx');
    writeFileSync(modelPath, buildDenseModel({
      inputName: 'input', featureNames: ['age', 'income', 'score'], weights: [[1, 0], [0, 1], [0, 0]], bias: [0, 0],
      outputName: 'probabilities', classLabels: ['no', 'yes'], modelName: 'soak',
    }));
    const up = await startProcess([join(here, 'upstream.mjs')], /\{"port":(\d+)\}/);
    const served = / on (http:\/\/\S+) \(metrics/;
    const embedded = await startProcess([BIN, 'sidecar', '--model', modelPath, '--name', 'soak', '--port', '0'], served);
    const proxy = await startProcess([BIN, 'sidecar', '--upstream', `http://127.0.0.1:${up.match[1]}`, '--protocol', 'json', '--json-path', '/predict',
      '--json-inputs', '/instances', '--json-outputs', '/predictions', '--name', 'soak-proxy', '--port', '0'], served);
    const targets: Target[] = [
      { name: 'embedded', url: embedded.match[1], pid: embedded.child.pid!, make: embeddedRequest },
      { name: 'proxy', url: proxy.match[1], pid: proxy.child.pid!, make: proxyRequest },
    ];
    console.log(`soak: ${minutes} min at ${rate} req/s per sidecar, sampling every ${sampleSeconds} s; ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const start = Date.now();
    const load = driveLoad(targets, start + minutes * 60_000);
    const samples: { t: number; name: string; rssMb: number; series: number; lagMs: number }[] = [];
    const sampler = setInterval(async () => {
      const t = (Date.now() - start) / 1000;
      for (const target of targets) {
        const s = await scrape(target.name, target.url).catch(() => ({ series: NaN, lagMs: NaN, added: [] as string[] }));
        const row = { t, name: target.name, rssMb: rssMb(target.pid), series: s.series, lagMs: s.lagMs };
        samples.push(row);
        const families = [...new Set(s.added)].map((f) => `${f} x${s.added.filter((a) => a === f).length}`).join(', ');
        console.log(`  t=${t.toFixed(0).padStart(4)}s ${target.name.padEnd(8)} rss ${row.rssMb.toFixed(1).padStart(6)} MB  series ${String(row.series).padStart(5)}  event-loop lag p99 ${row.lagMs.toFixed(1)} ms${families ? `  new: ${families}` : ''}`);
      }
    }, sampleSeconds * 1000);
    await load.done;
    clearInterval(sampler);
    console.log(`answers: ${[...load.statuses].map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    // Growth after warm-up: minute 2 to the end (a third of the run when it is shorter than 6 minutes).
    const warm = Math.min(120, minutes * 60 / 3);
    for (const target of targets) {
      const mine = samples.filter((s) => s.name === target.name);
      const from = mine.find((s) => s.t >= warm);
      const to = mine[mine.length - 1];
      if (!from || !to || from === to) continue;
      const growth = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)}%`;
      console.log(`${target.name}: from t=${from.t.toFixed(0)}s to t=${to.t.toFixed(0)}s RSS ${from.rssMb.toFixed(1)} -> ${to.rssMb.toFixed(1)} MB (${growth(from.rssMb, to.rssMb)}), series ${from.series} -> ${to.series} (${growth(from.series, to.series)}), max event-loop lag p99 ${Math.max(...mine.map((s) => s.lagMs)).toFixed(1)} ms`);
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  for (const c of children) c.kill('SIGKILL');
  console.error(err);
  process.exit(1);
});

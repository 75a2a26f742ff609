/**
 * Pieces the sidecar benches share: a server's first stdout line (its port), the CPU a process
 * tree used (from /proc, so it also works for processes without an IPC channel: the upstream,
 * nginx), and the two load generators (load.mjs, hey). One copy, so every bench measures the same way.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const loadScript = fileURLToPath(new URL('load.mjs', import.meta.url));

/** The JSON object a bench server prints as its first stdout line (`{"port": …}`, more for some). */
export function firstLine<T extends object = { port: number }>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as T);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** [user, system] clock ticks (USER_HZ, 100 per second) of one process; throws if it is gone. */
export function procTicks(pid: number): [number, number] {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return [Number(fields[11]), Number(fields[12])]; // utime, stime
}

/** CPU seconds (user + system) of one process; throws if it is gone. */
export function procCpu(pid: number): number {
  const [u, s] = procTicks(pid);
  return (u + s) / 100;
}

function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are no children
  }
}

/** A process and all its descendants (nginx master + workers, sidecar primary + --workers). */
export function treePids(pid: number): number[] {
  return [pid, ...children(pid).flatMap(treePids)];
}

/** [user, system] clock ticks of a process and its descendants; [0, 0] once it is gone. */
export function treeTicks(pid: number): [number, number] {
  let own: [number, number];
  try {
    own = procTicks(pid);
  } catch {
    return [0, 0];
  }
  return children(pid).map(treeTicks).reduce(([u, s], [ku, ks]) => [u + ku, s + ks], own);
}

/** CPU seconds (user + system) of a process and its descendants; 0 once it is gone. */
export function treeCpu(pid: number): number {
  const [u, s] = treeTicks(pid);
  return (u + s) / 100;
}

export interface LoadResult { sent: number; ok: number; errors: number; rps: number; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number }

/** Open loop at `rate` req/s (in bursts of `burst`), or closed loop with `concurrency` connections. */
export type LoadMode = { rate: number; burst?: number } | { concurrency: number };

/**
 * load.mjs in its own process (never sharing an event loop with a server) for 1 s of warm-up plus
 * `seconds` measured. `cpu`: pin it to that core with taskset.
 */
export function loadGen(url: string, body: string, mode: LoadMode, opts: { seconds: number; cpu?: string }): Promise<LoadResult> {
  const argv = [loadScript, JSON.stringify({ url, body, seconds: opts.seconds, ...mode })];
  return new Promise((resolve, reject) => {
    const child = spawn(opts.cpu ? 'taskset' : process.execPath, opts.cpu ? ['-c', opts.cpu, process.execPath, ...argv] : argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited ${code}`))));
  });
}

/**
 * `hey -c 10 -q <rate/10>` POSTing `bodyFile` for `seconds`: 10 connections, each a worker limited
 * to rate/10 req/s. hey's workers fire in step, so arrivals come in bursts of 10: a per-request CPU
 * cost turns into queueing delay. req/s is hey's own figure (all answers over its wall time).
 * `cpu`: pin hey to that core with taskset.
 */
export function hey(url: string, bodyFile: string, opts: { seconds: number; rate: number; cpu?: string }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const argv = ['-z', `${opts.seconds}s`, '-c', '10', '-q', String(opts.rate / 10), '-m', 'POST', '-T', 'application/json', '-D', bodyFile, url];
    const child = spawn(opts.cpu ? 'taskset' : 'hey', opts.cpu ? ['-c', opts.cpu, 'hey', ...argv] : argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`hey exited ${code}`));
      const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
      const ok = num(/\[200\]\s+(\d+) responses/);
      const all = [...out.matchAll(/\[(\d+)\]\s+(\d+) responses/g)].reduce((a, m) => a + Number(m[2]), 0);
      const errs = num(/Error distribution:[\s\S]*?\[(\d+)\]/);
      resolve({
        sent: all + (Number.isFinite(errs) ? errs : 0), ok, errors: all - ok + (Number.isFinite(errs) ? errs : 0),
        rps: num(/Requests\/sec:\s+([\d.]+)/),
        p50Ms: num(/50% in ([\d.]+) secs/) * 1000, p90Ms: num(/90% in ([\d.]+) secs/) * 1000,
        p99Ms: num(/99% in ([\d.]+) secs/) * 1000, maxMs: num(/Slowest:\s+([\d.]+) secs/) * 1000,
      });
    });
  });
}

/** The median of the rounds' figures (mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** A figure for the tables: `d` decimals, 'n/a' when there is none. */
export const fmt = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

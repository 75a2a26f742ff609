/**
 * The engines the scale bench backfills and queries: a real Prometheus over blocks written by
 * `promtool tsdb create-blocks-from openmetrics` (the text is written to a file: promtool mmaps it), and a real single-node VictoriaMetrics fed through
 * its /api/v1/import/prometheus API. Both bind to 127.0.0.1 on a free port, and a watchdog stops
 * an engine whose RSS passes the cap (the machine is shared).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';

export const RSS_CAP_BYTES = 4 * 1024 ** 3;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resident and peak resident memory of a process, from /proc (bytes). */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** CPU seconds (user + system) a process has used, from /proc: contention-free cost on a shared machine. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface Engine {
  url: string;
  pid: number;
  /** Set when the watchdog stopped the engine for passing the RSS cap. */
  capped: () => boolean;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`engine exited: ${stderr()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`engine not ready: ${stderr()}`);
}

async function launch(binary: string, args: string[], readyUrl: string, url: string): Promise<Engine> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + String(d)).slice(-4000)));
  let capped = false;
  const watchdog = setInterval(() => {
    try {
      if (memory(child.pid!).rss > RSS_CAP_BYTES) {
        capped = true;
        child.kill('SIGKILL');
      }
    } catch {
      // exited
    }
  }, 500);
  watchdog.unref();
  const stop = async () => {
    clearInterval(watchdog);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await waitReady(readyUrl, child, () => err);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, pid: child.pid!, capped: () => capped, stop };
}

/**
 * Writes a TSDB with promtool from what `produce` writes (OpenMetrics), then starts Prometheus on
 * it. promtool mmaps its input, so the text goes through a file (deleted once the blocks exist).
 */
export async function backfillPrometheus(dir: string, produce: (out: Writable) => Promise<unknown>): Promise<{ engine: Engine; backfillSeconds: number }> {
  const input = join(dir, 'fleet.om');
  const started = process.hrtime.bigint();
  const out = createWriteStream(input);
  await produce(out);
  out.end();
  await new Promise<void>((r) => out.once('close', () => r()));
  const promtool = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, join(dir, 'data')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  rmSync(input, { force: true });
  if (promtool.status !== 0) throw new Error(`promtool failed: ${promtool.stderr}`);
  const backfillSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const engine = await launch(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
      '--query.timeout=5m',
      '--query.max-samples=500000000',
      '--log.level=error',
    ],
    `${url}/-/ready`,
    url,
  );
  return { engine, backfillSeconds };
}

/**
 * Starts VictoriaMetrics and imports what `produce` writes (Prometheus text with millisecond
 * timestamps) through /api/v1/import/prometheus, streamed. The unique-series limit is raised for
 * the bench: its default (300,000) refuses the raw bucket query from about 136 replicas of a
 * 100-feature model on (2,200 bucket series per replica; docs/performance.md).
 */
export async function backfillVictoriaMetrics(dir: string, produce: (out: Writable) => Promise<unknown>): Promise<{ engine: Engine; backfillSeconds: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const engine = await launch(
    'victoria-metrics',
    [
      `-storageDataPath=${join(dir, 'vm')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=1y',
      '-search.latencyOffset=0s',
      '-search.maxUniqueTimeseries=10000000',
      '-search.maxQueryDuration=5m',
      '-search.maxSamplesPerQuery=5000000000',
      '-loggerLevel=ERROR',
    ],
    `${url}/health`,
    url,
  );
  const started = process.hrtime.bigint();
  const body = new PassThrough();
  const posted = fetch(`${url}/api/v1/import/prometheus`, { method: 'POST', body: body as unknown as BodyInit, duplex: 'half' } as RequestInit);
  await produce(body);
  body.end();
  const res = await posted;
  if (!res.ok) throw new Error(`import failed: ${res.status} ${await res.text()}`);
  await fetch(`${url}/internal/force_flush`);
  const backfillSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { engine, backfillSeconds };
}

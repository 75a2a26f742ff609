/**
 * The engines the scale bench backfills and queries: a real Prometheus over blocks written by
 * `promtool tsdb create-blocks-from openmetrics` (the text is written to a file: promtool mmaps it), and a real single-node VictoriaMetrics fed through
 * its /api/v1/import/prometheus API. Both bind to 127.0.0.1 on a free port, and a watchdog stops
 * an engine whose RSS passes the cap (the machine is shared).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';

/**
 * RSS above which the watchdog kills an engine (or promtool): 4 GB unless the run raises it
 * (`--rss-cap-gb`); the machine is shared, so never above ~12 GB.
 */
let rssCapBytes = 4 * 1024 ** 3;
export function setRssCap(bytes: number): void {
  rssCapBytes = bytes;
}
export function rssCap(): number {
  return rssCapBytes;
}

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

/**
 * Resident memory of a process, from /proc (bytes): all of it (`rss`), its anonymous part
 * (`anon`: heap, what the machine must really find), and the peak of all of it (`peak`).
 * Prometheus and promtool mmap their blocks and input file: those pages count in VmRSS but are
 * page cache the kernel takes back, so the cap and the figures use the anonymous part.
 */
export function memory(pid: number): { rss: number; anon: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon') + kb('RssShmem'), peak: kb('VmHWM') };
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
  /** The most anonymous memory the watchdog saw the engine use. */
  peakAnon: () => number;
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

/**
 * Kills `child` with SIGKILL once its anonymous RSS passes the cap; `capped()` says whether it
 * did, `peakAnon()` the most it was seen using (sampled every 250 ms).
 */
function watch(child: ChildProcess): { capped: () => boolean; peakAnon: () => number; clear: () => void } {
  let capped = false;
  let peakAnon = 0;
  const watchdog = setInterval(() => {
    try {
      const anon = memory(child.pid!).anon;
      peakAnon = Math.max(peakAnon, anon);
      if (anon > rssCapBytes) {
        capped = true;
        console.error(`watchdog: pid ${child.pid} passed the ${(rssCapBytes / 1024 ** 3).toFixed(1)} GB anonymous RSS cap, killed`);
        child.kill('SIGKILL');
      }
    } catch {
      // exited
    }
  }, 250);
  watchdog.unref();
  return { capped: () => capped, peakAnon: () => peakAnon, clear: () => clearInterval(watchdog) };
}

async function launch(binary: string, args: string[], readyUrl: string, url: string): Promise<Engine> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + String(d)).slice(-4000)));
  const dog = watch(child);
  const capped = dog.capped;
  const stop = async () => {
    dog.clear();
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
  return { url, pid: child.pid!, capped, peakAnon: dog.peakAnon, stop };
}

/** Runs promtool under the same RSS watchdog as the engines (its block writer holds every series in memory). */
async function promtool(args: string[]): Promise<{ peakAnon: number; cpuSeconds: number }> {
  const child = spawn('promtool', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + String(d)).slice(-4000)));
  const dog = watch(child);
  let cpu = 0;
  const sample = setInterval(() => {
    try {
      cpu = cpuSeconds(child.pid!);
    } catch {
      // exited
    }
  }, 1000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearInterval(sample);
  dog.clear();
  if (dog.capped()) throw new Error(`promtool passed the ${(rssCapBytes / 1024 ** 3).toFixed(1)} GB anonymous RSS cap after ${cpu.toFixed(0)} CPU s`);
  if (code !== 0) throw new Error(`promtool failed: ${err}`);
  return { peakAnon: dog.peakAnon(), cpuSeconds: cpu };
}

/** An empty rule file the engine starts with; `loadPrometheusRules` fills it and reloads. */
const NO_RULES = 'groups: []\n';

/**
 * Writes a TSDB with promtool from what `produce` writes (OpenMetrics), then starts Prometheus on
 * it. promtool mmaps its input, so the text goes through a file (deleted once the blocks exist).
 * Prometheus starts with an empty rule file (lifecycle API on) so the window rules can be loaded
 * after the query measurements, without their evaluations landing in them.
 */
export async function backfillPrometheus(dir: string, produce: (out: Writable) => Promise<unknown>): Promise<{ engine: Engine; backfillSeconds: number; promtoolPeakAnon: number; promtoolCpu: number }> {
  const input = join(dir, 'fleet.om');
  const started = process.hrtime.bigint();
  const out = createWriteStream(input);
  await produce(out);
  out.end();
  await new Promise<void>((r) => out.once('close', () => r()));
  let tool: { peakAnon: number; cpuSeconds: number };
  try {
    tool = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', input, join(dir, 'data')]);
  } finally {
    rmSync(input, { force: true });
  }
  const backfillSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  writeFileSync(join(dir, 'rules.yml'), NO_RULES);
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 15s\nrule_files:\n  - ${join(dir, 'rules.yml')}\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const engine = await launch(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--storage.tsdb.retention.time=30d',
      '--query.timeout=5m',
      '--query.max-samples=500000000',
      '--log.level=error',
    ],
    `${url}/-/ready`,
    url,
  );
  return { engine, backfillSeconds, promtoolPeakAnon: tool.peakAnon, promtoolCpu: tool.cpuSeconds };
}

/** Loads `rulesYaml` into a Prometheus started by backfillPrometheus (rule file + /-/reload). */
export async function loadPrometheusRules(dir: string, engine: Engine, rulesYaml: string): Promise<void> {
  writeFileSync(join(dir, 'rules.yml'), rulesYaml);
  const res = await fetch(`${engine.url}/-/reload`, { method: 'POST' });
  if (!res.ok) throw new Error(`reload failed: ${res.status} ${await res.text()}`);
}

/**
 * Starts a single-node VictoriaMetrics on `dir`'s data. `limit: 'raised'` lifts
 * -search.maxUniqueTimeseries to 10 M (to measure an unsplit query); `'default'` keeps the
 * engine's 300,000, as a user would run it. Its caches are sized to half the RSS cap
 * (-memory.allowedBytes): by default they take 60% of the machine's memory, which on this
 * shared 24 GB machine would pass the cap without saying anything about the data.
 */
export async function startVictoriaMetrics(dir: string, limit: 'raised' | 'default'): Promise<Engine> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return launch(
    'victoria-metrics',
    [
      `-storageDataPath=${join(dir, 'vm')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=1y',
      '-search.latencyOffset=0s',
      ...(limit === 'raised' ? ['-search.maxUniqueTimeseries=10000000'] : []),
      // Its rollup result cache answers a repeated query over past data from memory (the 1,000-replica
      // run got the collector's 15m window in 1 s after an abandoned identical query had filled it):
      // off, so every measured query does the engine's work, as a collector's moving window does.
      '-search.disableCache',
      '-search.maxQueryDuration=5m',
      '-search.maxSamplesPerQuery=5000000000',
      `-memory.allowedBytes=${Math.floor(rssCapBytes / 2)}`,
      '-loggerLevel=ERROR',
    ],
    `${url}/health`,
    url,
  );
}

/**
 * vmalert evaluating `rulesYaml` against VictoriaMetrics at `vmUrl` and writing the recorded
 * series back to it: the VictoriaMetrics equivalent of Prometheus' rule manager.
 */
export async function startVmalert(dir: string, vmUrl: string, rulesYaml: string): Promise<Engine> {
  const file = join(dir, 'vmalert-rules.yml');
  writeFileSync(file, rulesYaml);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return launch(
    'vmalert',
    [
      `-rule=${file}`,
      `-datasource.url=${vmUrl}`,
      `-remoteWrite.url=${vmUrl}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-evaluationInterval=1m',
      '-loggerLevel=ERROR',
    ],
    `${url}/metrics`,
    url,
  );
}

/**
 * Starts VictoriaMetrics and imports what `produce` writes (Prometheus text with millisecond
 * timestamps) through /api/v1/import/prometheus, streamed. The unique-series limit is raised for
 * the bench: its default (300,000) refuses the raw bucket query from about 136 replicas of a
 * 100-feature model on (2,200 bucket series per replica; docs/performance.md).
 */
export async function backfillVictoriaMetrics(dir: string, produce: (out: Writable) => Promise<unknown>): Promise<{ engine: Engine; backfillSeconds: number }> {
  const engine = await startVictoriaMetrics(dir, 'raised');
  const url = engine.url;
  const started = process.hrtime.bigint();
  // Batches of ~8 MB, each POST awaited before more is accepted: a single streamed request body was
  // buffered by fetch faster than VictoriaMetrics read it (12 GB of RSS in this process at 300 replicas).
  let pending: string[] = [];
  let size = 0;
  const post = async () => {
    if (size === 0) return;
    const body = pending.join('');
    pending = [];
    size = 0;
    let res: Response;
    try {
      res = await fetch(`${url}/api/v1/import/prometheus`, { method: 'POST', body });
    } catch (err) {
      throw new Error(engine.capped() ? `victoria-metrics passed the ${(rssCapBytes / 1024 ** 3).toFixed(1)} GB anonymous RSS cap while importing` : `import failed: ${(err as Error).message}`);
    }
    if (!res.ok) throw new Error(`import failed: ${res.status} ${await res.text()}`);
  };
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const text = String(chunk);
      pending.push(text);
      size += text.length;
      if (size < 8 * 1024 * 1024) return done();
      post().then(() => done(), done);
    },
    final(done) {
      post().then(() => done(), done);
    },
  });
  try {
    await produce(sink);
    sink.end();
    await new Promise<void>((resolve, reject) => {
      sink.once('finish', () => resolve());
      sink.once('error', reject);
    });
  } catch (err) {
    await engine.stop();
    throw err;
  }
  await fetch(`${url}/internal/force_flush`);
  const backfillSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { engine, backfillSeconds };
}

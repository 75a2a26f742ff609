import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * Real Prometheus and Alertmanager (Debian packages) started on loopback for the demo and the
 * end-to-end tests. Each gets its own directory for config and data; close() stops what it started.
 */
/** True when `binary` is an executable file in a directory of the PATH (no shell needed). */
export function hasBinary(binary: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export interface RunningProcess {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A free loopback port: neither binary accepts port 0 and reports the port it got. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    kill.unref();
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startBinary(binary: string, args: string[], readyPath: string, port: number, log: string[]): Promise<RunningProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Keep the tail of the output for error messages; never let a full pipe block the child.
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString('utf8'));
    if (log.length > 50) log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${binary} exited with code ${code}: ${log.join('').slice(-2000)}`)));
  });
  exited.catch(() => {});
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      exited,
      waitFor(`${binary} on ${url}`, async () => ((await fetch(url + readyPath)).ok ? true : undefined), 30_000, 100),
    ]);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { url, port, close: () => stopChild(child) };
}

export interface ScrapeTarget {
  job: string;
  /** host:port */
  target: string;
}

export interface PrometheusOptions {
  dir: string;
  ruleFiles: string[];
  targets: ScrapeTarget[];
  alertmanager?: string;
  scrapeInterval: string;
  evaluationInterval: string;
  /** Listen port chosen beforehand (the collector must know Prometheus' URL before it starts). */
  port?: number;
  binary?: string;
}

export async function startPrometheus(o: PrometheusOptions): Promise<RunningProcess> {
  mkdirSync(join(o.dir, 'data'), { recursive: true });
  const config = {
    global: { scrape_interval: o.scrapeInterval, evaluation_interval: o.evaluationInterval },
    rule_files: o.ruleFiles,
    ...(o.alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [o.alertmanager.replace(/^https?:\/\//, '')] }] }] } } : {}),
    scrape_configs: [...new Set(o.targets.map((t) => t.job))].map((job) => ({
      job_name: job,
      static_configs: [{ targets: o.targets.filter((t) => t.job === job).map((t) => t.target) }],
    })),
  };
  // JSON is valid YAML: no YAML writer needed.
  const configFile = join(o.dir, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const port = o.port ?? (await freePort());
  return startBinary(
    o.binary ?? 'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(o.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1d',
      '--log.level=warn',
    ],
    '/-/ready',
    port,
    [],
  );
}

export interface AlertmanagerOptions {
  dir: string;
  /** Alertmanager configuration (YAML text). */
  config: string;
  binary?: string;
}

export async function startAlertmanager(o: AlertmanagerOptions): Promise<RunningProcess> {
  mkdirSync(join(o.dir, 'data'), { recursive: true });
  const configFile = join(o.dir, 'alertmanager.yml');
  writeFileSync(configFile, o.config);
  const port = await freePort();
  return startBinary(
    o.binary ?? 'prometheus-alertmanager',
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(o.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // A single instance: no gossip port to collide with anything.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    '/-/ready',
    port,
    [],
  );
}

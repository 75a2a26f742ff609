import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';

/**
 * A scrape target standing in for one sidecar replica: every scrape, each series grows by its
 * per-scrape increment, so `increase()` over a window is proportional to the increments.
 */
export class FakeReplica {
  private scrapes = 0;
  private server: Server | undefined;
  port = 0;

  /** `series`: exposition lines without value, keyed to their per-scrape increment; `types` the TYPE lines. */
  constructor(private readonly types: string[], public series: Map<string, number>) {}

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      this.scrapes++;
      const lines = [...this.types];
      for (const [s, inc] of this.series) lines.push(`${s} ${inc * this.scrapes}`);
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(`${lines.join('\n')}\n`);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

/** Histogram bucket lines (cumulative) for per-bin increments over the given edges. */
export function histogramSeries(name: string, labels: string, edges: number[], perBin: number[]): Map<string, number> {
  const out = new Map<string, number>();
  let cum = 0;
  edges.forEach((e, i) => {
    cum += perBin[i];
    out.set(`${name}_bucket{${labels},le="${e}"}`, cum);
  });
  cum += perBin[edges.length];
  out.set(`${name}_bucket{${labels},le="+Inf"}`, cum);
  out.set(`${name}_count{${labels}}`, cum);
  out.set(`${name}_sum{${labels}}`, cum);
  return out;
}

export interface TestPrometheus {
  url: string;
  stop(): Promise<void>;
}

export interface PrometheusExtras {
  /** Rule file contents, loaded as rules-<i>.yaml. */
  rules?: string[];
  /** Extra command-line flags, e.g. `--query.max-samples=100`. */
  args?: string[];
}

/** Starts the real /usr/bin/prometheus scraping the given loopback ports every second. */
export async function startPrometheus(targetPorts: number[], extras: PrometheusExtras = {}): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-prom-'));
  const ruleFiles = (extras.rules ?? []).map((text, i) => {
    const path = join(dir, `rules-${i}.yaml`);
    writeFileSync(path, text);
    return path;
  });
  const config = [
    ...(ruleFiles.length ? ['rule_files:', ...ruleFiles.map((f) => `  - '${f}'`)] : []),
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: sidecars',
    '    static_configs:',
    `      - targets: [${targetPorts.map((p) => `'127.0.0.1:${p}'`).join(', ')}]`,
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...(extras.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('Prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

/** Waits until Prometheus has at least two scrapes of `series`, so increase() has something to say. */
export async function waitForIncrease(url: string, series: string): Promise<void> {
  await waitFor(`an increase of ${series} in Prometheus`, async () => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: `sum(increase(${series}[1m]))` })}`);
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    const v = Number(body.data.result[0]?.value[1] ?? 0);
    return v > 0 ? true : undefined;
  });
}

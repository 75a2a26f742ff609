/**
 * Records test/fixtures/prometheus-instant.json: the /api/v1/query responses of a REAL Prometheus
 * (system binary) to the panel's query set, scraping simulated sidecars and a collector
 * (scripts/simulatedPipelines.ts). The browser test builds its frames from this file.
 * Run: npm run record-fixture -w grafana-plugin   (takes ~25 s)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PANEL_QUERIES } from '../src/data/queries.js';
import { collectorExposition, sidecarExposition, SIM_STAGES } from './simulatedPipelines.js';

const OUT = fileURLToPath(new URL('../test/fixtures/prometheus-instant.json', import.meta.url));
const SCRAPE_SECONDS = 1;
const RATE_WINDOW = '10s';

function serve(body: () => string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const portOf = (s: Server) => (s.address() as AddressInfo).port;

async function freePort(): Promise<number> {
  const s = await serve(() => '');
  const port = portOf(s);
  await new Promise((r) => s.close(r));
  return port;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main() {
  const start = Date.now();
  const elapsed = () => (Date.now() - start) / 1000;
  const sidecars = await Promise.all(SIM_STAGES.map((s) => serve(() => sidecarExposition(s, elapsed()))));
  const collector = await serve(collectorExposition);
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-prom-'));
  const config = {
    global: { scrape_interval: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s` },
    scrape_configs: [
      { job_name: 'modelwatch-sidecar', static_configs: [{ targets: sidecars.map((s) => `127.0.0.1:${portOf(s)}`) }] },
      { job_name: 'modelwatch-collector', static_configs: [{ targets: [`127.0.0.1:${portOf(collector)}`] }] },
    ],
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  try {
    await until('prometheus ready', async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined));
    // Stages with stopAfter go down mid-recording: their topology stays via last_over_time, up becomes 0.
    for (const [i, s] of SIM_STAGES.entries()) {
      if (s.stopAfter) setTimeout(() => { sidecars[i].closeAllConnections(); sidecars[i].close(); }, s.stopAfter * 1000);
    }
    const query = async (expr: string) => {
      const q = expr.replaceAll('$__rate_interval', RATE_WINDOW).replaceAll('$pipeline', '.*');
      return (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json() as Promise<{ status: string; data: { result: unknown[] } }>;
    };
    await new Promise((r) => setTimeout(r, 15_000));
    const responses: Record<string, unknown> = {};
    await until('every query to return data and the stopped target to be down', async () => {
      for (const [ref, expr] of Object.entries(PANEL_QUERIES)) {
        const r = await query(expr);
        if (r.status !== 'success' || r.data.result.length === 0) return undefined;
        responses[ref] = r;
      }
      const up = responses.up as { data: { result: Array<{ value: [number, string] }> } };
      return up.data.result.some((x) => x.value[1] === '0') ? true : undefined;
    });
    const fixture = {
      recordedWith: 'prometheus 2.42 (Debian) scraping scripts/simulatedPipelines.ts; $__rate_interval=10s, $pipeline=.*',
      queries: PANEL_QUERIES,
      responses,
    };
    writeFileSync(OUT, `${JSON.stringify(fixture, null, 1)}\n`);
    console.log(`wrote ${OUT}`);
  } finally {
    prom.kill('SIGTERM');
    await new Promise((r) => prom.once('exit', r));
    for (const s of [...sidecars, collector]) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startPrometheus, type RunningProcess } from '../../cli/src/demo/processes.js';
import { startPostgres, type TestPostgres } from '../../collector/test/helpers/postgres.js';
import { createBaseline, inferBody, writeClassifier } from '../../sidecar/test/runtime/fixtures/model.js';
import { sample, startCli, until, type CliProcess } from './processes.js';

/**
 * Fault tests with real processes (the built CLI): a monitoring sink that is down, slow or full
 * never fails a prediction, and every row a sidecar counted reaches the collector exactly once.
 */
const isRoot = process.getuid?.() === 0;
let dir: string;
let model: string;
const cleanups: (() => unknown)[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-faults-'));
  model = writeClassifier(dir);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function startCollector(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliProcess> {
  const c = await startCli(['collector', '--interval', '1h', ...args], env);
  cleanups.push(() => c.stop('SIGKILL'));
  return c;
}

async function uploadBaseline(collectorUrl: string): Promise<void> {
  const res = await fetch(`${collectorUrl}/api/v1/models/credit/baselines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(createBaseline()) });
  expect(res.status).toBe(201);
}

async function startSidecar(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliProcess> {
  const s = await startCli(['sidecar', '--model', model, '--name', 'credit', '--port', '0', ...args], env);
  cleanups.push(() => s.stop('SIGKILL'));
  return s;
}

const scrape = async (s: CliProcess) => (await fetch(`${s.url}/metrics`)).text();

/** Clients sending one-row predictions until stopped; counts the answers by status. */
function traffic(url: string, clients = 4) {
  const statuses = new Map<number, number>();
  let stopped = false;
  const loops = Array.from({ length: clients }, async () => {
    while (!stopped) {
      try {
        const res = await fetch(`${url}/v2/models/credit/infer`, { method: 'POST', body: inferBody([[30 + Math.random() * 30, 5, 0.5]]), headers: { 'content-type': 'application/json' } });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      } catch {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
      }
    }
  });
  return {
    ok: () => statuses.get(200) ?? 0,
    statuses,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function sqliteRows(db: string): { rows: number; windows: number } {
  const d = new Database(db, { readonly: true });
  try {
    const bodies = d.prepare("SELECT body FROM pushed_windows WHERE model = 'credit'").all() as { body: string }[];
    return { rows: bodies.reduce((s, b) => s + (JSON.parse(b.body) as { rows: number }).rows, 0), windows: bodies.length };
  } finally {
    d.close();
  }
}

describe('faults with real processes', () => {
  it('push buffer on a full disk, collector killed mid-traffic, both restarted: every counted row arrives exactly once', async () => {
    const db = join(dir, 'push.db');
    const port = await freePort();
    let collector = await startCollector(['--port', String(port), '--db', db]);
    await uploadBaseline(collector.url);
    const pushDir = join(dir, 'push-buffer');
    mkdirSync(pushDir);
    if (isRoot) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', pushDir]);
      cleanups.push(() => execFileSync('umount', ['-l', pushDir]));
    } else {
      console.log('faults: not root, so the push buffer is a plain directory: the full-disk part of this test is not exercised');
    }
    const sidecarArgs = ['--collector', collector.url, '--push-dir', pushDir, '--push-interval-ms', '150'];
    let sidecar = await startSidecar(sidecarArgs);
    await until('the baseline to load', async () => sample(await scrape(sidecar), 'modelwatch_baseline_loaded') === 1);
    const load = traffic(sidecar.url);
    await until('traffic', () => load.ok() >= 100);
    await collector.stop('SIGKILL');
    if (isRoot) {
      // Leave room for about two windows: the buffer fills while the collector is away.
      const free = statfsSync(pushDir);
      writeFileSync(join(pushDir, 'filler'), Buffer.alloc(Math.max(0, free.bavail * free.bsize - 1500)));
    }
    await until('windows to pile up against the full disk', async () => {
      const text = await scrape(sidecar);
      return isRoot ? /ENOSPC/.test(sidecar.output()) : (sample(text, 'modelwatch_push_buffered_windows') ?? 0) >= 3;
    }, 20_000);
    collector = await startCollector(['--port', String(port), '--db', db]);
    await until('the buffer to drain', async () => sample(await scrape(sidecar), 'modelwatch_push_buffered_windows') === 0 && load.ok() > 300, 30_000);
    await load.stop();
    expect([...load.statuses.keys()]).toEqual([200]);
    expect(await sidecar.stop('SIGTERM')).toBe(0);
    // Restarted: it sends whatever its last run left in the buffer.
    sidecar = await startSidecar(sidecarArgs);
    await until('the restarted sidecar to empty its buffer', async () => sample(await scrape(sidecar), 'modelwatch_push_buffered_windows') === 0);
    expect(await sidecar.stop('SIGTERM')).toBe(0);
    await collector.stop('SIGTERM');
    expect(sqliteRows(db).rows).toBe(load.ok());
  });

  it('an OTLP endpoint that hangs or is down, and a collector that is down, never fail a prediction', async () => {
    const hanging: Socket[] = [];
    const hang: NetServer = createNetServer((s) => hanging.push(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => {
      for (const s of hanging) s.destroy();
      return new Promise<void>((r) => hang.close(() => r()));
    });
    const deadPort = await freePort();
    for (const endpoint of [`http://127.0.0.1:${(hang.address() as { port: number }).port}/v1/traces`, `http://127.0.0.1:${deadPort}/v1/traces`]) {
      const sidecar = await startSidecar(['--collector', `http://127.0.0.1:${deadPort}`, '--push-dir', join(dir, `push-otlp-${hanging.length}-${Date.now()}`), '--push-interval-ms', '200'], {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '300',
      });
      const load = traffic(sidecar.url);
      await until('traffic', () => load.ok() >= 200);
      await until('a failed export to be counted', async () => (sample(await scrape(sidecar), 'modelwatch_trace_export_failures_total') ?? 0) >= 1, 20_000);
      await load.stop();
      expect([...load.statuses.keys()], endpoint).toEqual([200]);
      const t0 = Date.now();
      expect(await sidecar.stop('SIGTERM')).toBe(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
    }
  });

  it('an upstream that hangs, closes or answers garbage gets a fast 504/502, and serving goes on', async () => {
    const sockets: Socket[] = [];
    const upstream: NetServer = createNetServer((socket) => {
      sockets.push(socket);
      let head = '';
      socket.on('data', (d) => {
        head += String(d);
        if (!head.includes('\r\n\r\n')) return;
        const fault = /x-fault: (\w+)/i.exec(head)?.[1];
        head = '';
        if (fault === 'hang') return;
        if (fault === 'close') return socket.destroy();
        if (fault === 'garbage') return socket.end('NOT HTTP AT ALL\r\n\r\n');
        const body = JSON.stringify({ model_name: 'credit', outputs: [{ name: 'probabilities', shape: [1, 2], datatype: 'FP32', data: [0.3, 0.7] }] });
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => upstream.close(() => r()));
    });
    const sidecar = await startCli(['sidecar', '--upstream', `http://127.0.0.1:${(upstream.address() as { port: number }).port}`, '--name', 'credit', '--port', '0', '--upstream-timeout-ms', '300']);
    cleanups.push(() => sidecar.stop('SIGKILL'));
    const call = async (fault?: string) => {
      const t0 = Date.now();
      const res = await fetch(`${sidecar.url}/v2/models/credit/infer`, { method: 'POST', body: inferBody([[1, 2, 3]]), headers: { 'content-type': 'application/json', ...(fault ? { 'x-fault': fault } : {}) } });
      const body = (await res.json()) as { error?: string };
      return { status: res.status, ms: Date.now() - t0, body };
    };
    const hang = await call('hang');
    expect(hang.status).toBe(504);
    expect(hang.ms).toBeLessThan(3_000);
    expect((await call('close')).status).toBe(502);
    expect((await call('garbage')).status).toBe(502);
    expect((await call()).status).toBe(200);
    const text = await scrape(sidecar);
    expect(sample(text, 'modelwatch_requests_in_flight')).toBe(0);
    expect(sample(text, 'modelwatch_request_errors_total', { reason: 'upstream_timeout' })).toBe(1);
    expect(await sidecar.stop('SIGTERM')).toBe(0);
  });

  it('Prometheus down during evaluation: counted as evaluation errors, the API keeps answering, evaluations resume', async () => {
    const promDir = join(dir, 'prometheus');
    mkdirSync(promDir);
    const port = await freePort();
    const start = () => startPrometheus({ dir: promDir, ruleFiles: [], targets: [], scrapeInterval: '1s', evaluationInterval: '1s', port });
    let prom: RunningProcess = await start();
    cleanups.push(() => prom.close());
    const collector = await startCli(['collector', '--port', '0', '--db', ':memory:', '--prometheus-url', `http://127.0.0.1:${port}`, '--interval', '1s', '--windows', '30s']);
    cleanups.push(() => collector.stop('SIGKILL'));
    await uploadBaseline(collector.url);
    const metrics = async () => (await fetch(`${collector.url}/metrics`)).text();
    const errors = async () => sample(await metrics(), 'modelwatch_drift_evaluation_errors_total', { reason: 'prometheus_unreachable' }) ?? 0;
    await until('an evaluation against Prometheus', async () => (sample(await metrics(), 'modelwatch_drift_evaluations_total', { source: 'prometheus' }) ?? 0) >= 1, 20_000);
    const before = await errors();
    await prom.close();
    await until('unreachable Prometheus to be counted', async () => (await errors()) > before, 20_000);
    expect((await fetch(`${collector.url}/api/v1/models/credit/drift`)).status).toBe(200);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    prom = await start();
    const evaluations = sample(await metrics(), 'modelwatch_drift_evaluations_total', { source: 'prometheus' }) ?? 0;
    await until('evaluations to resume', async () => (sample(await metrics(), 'modelwatch_drift_evaluations_total', { source: 'prometheus' }) ?? 0) > evaluations + 1, 20_000);
    expect(await collector.stop('SIGTERM')).toBe(0);
  });

  it('PostgreSQL restarted under the collector: pushes retry, every counted row is stored exactly once', async () => {
    const pgServer: TestPostgres = await startPostgres();
    cleanups.push(() => pgServer.stop());
    const collector = await startCollector(['--port', '0'], { DATABASE_URL: pgServer.url });
    await uploadBaseline(collector.url);
    const sidecar = await startSidecar(['--collector', collector.url, '--push-dir', join(dir, 'push-pg'), '--push-interval-ms', '150']);
    await until('the baseline to load', async () => sample(await scrape(sidecar), 'modelwatch_baseline_loaded') === 1);
    const load = traffic(sidecar.url);
    await until('traffic', () => load.ok() >= 100);
    pgServer.restart();
    await until('more traffic after the restart', () => load.ok() >= 300);
    await load.stop();
    expect([...load.statuses.keys()]).toEqual([200]);
    expect(await sidecar.stop('SIGTERM')).toBe(0);
    const client = new pg.Client({ connectionString: pgServer.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT coalesce(sum((body->>'rows')::bigint), 0) AS rows FROM pushed_windows WHERE model = 'credit'");
      expect(Number(rows[0].rows)).toBe(load.ok());
    } finally {
      await client.end();
    }
    expect(await collector.stop('SIGTERM')).toBe(0);
  });
});

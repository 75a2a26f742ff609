import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample } from '../runtime/fixtures/http.js';
import { inferBody } from '../runtime/fixtures/model.js';
import { startUpstream, type UpstreamProcess } from '../runtime/fixtures/upstream.js';
import { promtoolCheck } from '../tap/helpers.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/modelwatch.js', import.meta.url));

/** One POST on a fresh connection, so the primary spreads the calls over the workers. */
function postFresh(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function workersOf(text: string): number {
  return sample(text, 'modelwatch_workers') ?? 0;
}

describe('modelwatch sidecar --workers 2 (the real executable)', () => {
  let upstream: UpstreamProcess;
  let child: ChildProcess;
  let url: string;
  let out = '';

  beforeAll(async () => {
    upstream = await startUpstream();
    child = spawn(process.execPath, [BIN, 'sidecar', '--upstream', upstream.url, '--port', '0', '--name', 'm', '--workers', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' },
    });
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', () => {
        const m = /\) on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exit = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exit;
    }
    await upstream?.stop();
  });

  it('serves on one port from two processes and every /metrics scrape shows the traffic of both', async () => {
    expect(out).toMatch(/2 workers/);
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => postFresh(`${url}/v2/models/m/infer`, inferBody([[i, 1, 2]]))));
    expect(statuses).toEqual(statuses.map(() => 200));
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/metrics`, { headers: { connection: 'close' } });
      const text = await res.text();
      expect(workersOf(text)).toBe(2);
      expect(sample(text, 'modelwatch_requests_total', { outcome: 'success' })).toBe(20);
      expect(sample(text, 'modelwatch_input_feature_value_count')).toBe(20);
      expect(sample(text, 'modelwatch_model_info')).toBe(1);
      expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });
    }
  });

  it('shuts all workers down on SIGTERM with exit code 0', async () => {
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toMatch(/SIGTERM, shutting down/);
  });
});

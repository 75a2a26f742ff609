import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../cli/src/demo/processes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `modelwatch demo` from the TypeScript sources (no build needed), as `npm start` would. */
function demo(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  let out = '';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', "const { main } = await import('./cli/src/main.ts'); process.exitCode = await main(process.argv.slice(1));", 'demo', ...args],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

describe('modelwatch demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-demo-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 with a clear message on a bad flag', async () => {
    const run = demo(['--rate', 'fast']);
    children.push(run.child);
    expect(await run.exit).toBe(2);
    expect(run.output()).toContain('--rate "fast" must be a number');
  });

  it('replays Seattle then New York, reports drift, and stops everything cleanly on Ctrl-C', async () => {
    const run = demo(['--dir', dir, '--seattle-for', '5s', '--rate', '300', '--alert-for', '5s']);
    children.push(run.child);
    const sidecarUrl = await waitFor('the demo to print where to look', async () => /sidecar metrics\s+(\S+)\/metrics/.exec(run.output())?.[1], 60_000);
    expect(run.output()).toMatch(/drift report \(JSON\)\s+http:\/\/127\.0\.0\.1:\d+\/api\/v1\/models\/seattle-weather\/drift/);
    expect(run.output()).toMatch(/Prometheus alerts\s+http:\/\/127\.0\.0\.1:\d+\/alerts/);
    await waitFor('the demo to report drift in New York weather', async () => (/New York: 1m: drift in [^;]*\bwind\b/.test(run.output()) ? true : undefined), 90_000, 500);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain('modelwatch demo: stopped');
    // Nothing it started is left listening: sidecar, collector, Prometheus.
    const prometheusUrl = /Prometheus alerts\s+(\S+)\/alerts/.exec(run.output())![1];
    const collectorUrl = /collector metrics\s+(\S+)\/metrics/.exec(run.output())![1];
    for (const url of [`${sidecarUrl}/metrics`, `${collectorUrl}/metrics`, `${prometheusUrl}/-/ready`]) {
      await expect(fetch(url), url).rejects.toThrow();
    }
  });
});

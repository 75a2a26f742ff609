import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built CLI (the root `npm test` builds before testing), run as a user runs it.
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../cli/bin/modelwatch.js');

function runSync(args: string[]) {
  return spawnSync(process.execPath, [BIN, 'collector', ...args], { encoding: 'utf8', timeout: 20_000 });
}

describe('modelwatch collector', () => {
  it('prints its options with --help and exits 0', () => {
    const r = runSync(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--prometheus-url URL/);
  });

  it('exits 2 with a clear message for an unknown flag', () => {
    const r = runSync(['--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--bogus'/);
  });

  it('exits 2 naming the bad window before listening', () => {
    const r = runSync(['--port', '0', '--db', ':memory:', '--windows', '15m,5x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/MW_COLLECTOR_WINDOWS: window "5x" is not a duration/);
  });

  it('exits 2 naming a bad --windows-from and a bad --query-timeout', () => {
    const from = runSync(['--port', '0', '--db', ':memory:', '--windows-from', 'rules']);
    expect(from.status).toBe(2);
    expect(from.stderr).toMatch(/MW_COLLECTOR_WINDOWS_FROM: windows-from "rules" must be raw or recorded/);
    const timeout = runSync(['--port', '0', '--db', ':memory:', '--query-timeout', '10']);
    expect(timeout.status).toBe(2);
    expect(timeout.stderr).toMatch(/MW_COLLECTOR_QUERY_TIMEOUT/);
    const concurrency = runSync(['--port', '0', '--db', ':memory:', '--model-concurrency', 'many']);
    expect(concurrency.status).toBe(2);
    expect(concurrency.stderr).toMatch(/--model-concurrency must be a non-negative integer/);
  });

  it('exits 2 when the drift config file is not a JSON object', () => {
    const r = runSync(['--port', '0', '--db', ':memory:', '--drift-config', BIN]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/MW_COLLECTOR_DRIFT_CONFIG: cannot read .* as JSON/);
  });

  it('exits 2 naming the tokens file problem without printing a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-tokens-'));
    try {
      const file = join(dir, 'tokens.json');
      writeFileSync(file, JSON.stringify([{ name: 'ci', token: 'secret-secret-secret', scopes: ['superuser'] }]));
      const r = runSync(['--port', '0', '--db', ':memory:', '--tokens', file]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/MW_COLLECTOR_TOKENS: .*token "ci": scopes must be a non-empty list of reader, writer, labeller, admin/);
      expect(r.stderr).not.toContain('secret-secret-secret');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves until SIGTERM, then shuts down cleanly with exit code 0', async () => {
    const child = spawn(process.execPath, [BIN, 'collector', '--port', '0', '--db', ':memory:', '--interval', '1s'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += String(d);
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/shutting down/);
    // The default (no token) is said out loud at startup.
    expect(out).toMatch(/auth: no tokens configured: reads and writes are open/);
  });
});

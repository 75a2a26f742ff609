import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../cli/src/demo/processes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'cli/bin/modelwatch.js');

/**
 * A fresh machine without the Debian Prometheus packages: the BUILT command (what `npm start`
 * runs) with a PATH that holds nothing but node, so neither prometheus nor
 * prometheus-alertmanager can be found.
 */
describe('modelwatch demo without Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-demo-noprom-'));
  const pathDir = mkdtempSync(join(tmpdir(), 'modelwatch-path-'));
  symlinkSync(process.execPath, join(pathDir, 'node'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(pathDir, { recursive: true, force: true });
  });

  it('reports drift after the switch to New York from pushed windows, and says alerts need Prometheus', async () => {
    expect(existsSync(join(root, 'cli/dist/main.js')), 'build first: npm run build').toBe(true);
    let out = '';
    const child = spawn(join(pathDir, 'node'), [bin, 'demo', '--dir', dir, '--seattle-for', '10s', '--rate', '300'], {
      cwd: root,
      env: { ...process.env, PATH: pathDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await waitFor('the demo to print where to look', async () => (/collector metrics\s+\S+\/metrics/.test(out) ? true : undefined), 60_000);
    expect(out).toContain('Alerts need Prometheus + Alertmanager');
    expect(out).toContain('apt-get install prometheus prometheus-alertmanager');
    expect(out).not.toMatch(/Prometheus alerts\s+http/);
    await waitFor('drift in New York weather', async () => (/New York: 1m: drift in [^;]*\bwind\b/.test(out) ? true : undefined), 75_000, 500);
    // Missing data is never "no drift": no status line calls a window without rows that.
    expect(out).not.toMatch(/no drift \(0 rows/);
    expect(out).toMatch(/alerts need Prometheus \+ Alertmanager \(not running\)/);
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(out).toContain('modelwatch demo: stopped');
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';

export interface TestProcess {
  url: string;
  stop(): Promise<void>;
}

function launch(what: string, binary: string, args: string[], url: string, readyPath: string, dir: string): Promise<TestProcess> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return waitFor(`${what} to be ready`, async () => {
    if (child.exitCode !== null) throw new Error(`${what} exited: ${stderr}`);
    return (await fetch(`${url}${readyPath}`)).ok ? true : undefined;
  }).then(
    () => ({ url, stop }),
    async (err: unknown) => {
      await stop();
      throw err;
    },
  );
}

/**
 * Starts the real single-node VictoriaMetrics (Debian `victoria-metrics`) scraping the given
 * loopback ports every second. `-search.latencyOffset=0s`: by default VictoriaMetrics hides the
 * newest 30 s from queries, which a test that waits for scrapes would otherwise wait out.
 */
export async function startVictoriaMetrics(targetPorts: number[], args: string[] = []): Promise<TestProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-vm-'));
  const scrape = [
    'global:',
    '  scrape_interval: 1s',
    'scrape_configs:',
    '  - job_name: sidecars',
    '    static_configs:',
    `      - targets: [${targetPorts.map((p) => `'127.0.0.1:${p}'`).join(', ')}]`,
  ].join('\n');
  writeFileSync(join(dir, 'scrape.yml'), scrape);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return launch(
    'VictoriaMetrics',
    '/usr/bin/victoria-metrics',
    [
      `-storageDataPath=${join(dir, 'data')}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      `-promscrape.config=${join(dir, 'scrape.yml')}`,
      '-search.latencyOffset=0s',
      '-loggerLevel=ERROR',
      ...args,
    ],
    url,
    '/health',
    dir,
  );
}

/**
 * Starts vmalert (shipped in the same Debian package) evaluating rule files against a
 * VictoriaMetrics and writing the recorded series back to it: VictoriaMetrics' ruler.
 */
export async function startVmalert(vmUrl: string, rules: string[], evaluationInterval: string): Promise<TestProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-vmalert-'));
  const files = rules.map((text, i) => {
    const path = join(dir, `rules-${i}.yaml`);
    writeFileSync(path, text);
    return path;
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return launch(
    'vmalert',
    '/usr/bin/vmalert',
    [
      ...files.map((f) => `-rule=${f}`),
      `-datasource.url=${vmUrl}`,
      `-remoteWrite.url=${vmUrl}`,
      `-evaluationInterval=${evaluationInterval}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-loggerLevel=ERROR',
    ],
    url,
    '/health',
    dir,
  );
}

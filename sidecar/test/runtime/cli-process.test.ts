import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, writeClassifier } from './fixtures/model.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/modelwatch.js', import.meta.url));

/** The real `modelwatch` executable (built by `npm test`'s build step) in its own process. */
describe('modelwatch sidecar process', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('serves until SIGTERM, then shuts down gracefully with exit code 0', async () => {
    const child = spawn(process.execPath, [BIN, 'sidecar', '--model', writeClassifier(tmp.dir), '--port', '0', '--name', 'credit'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toMatch(/SIGTERM, shutting down/);
  });

  it('exits 2 on a bad flag', async () => {
    const child = spawn(process.execPath, [BIN, 'sidecar', '--port', 'abc', '--model', 'x.onnx'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/MW_ERR_CONFIG_INVALID_TYPE: port: got "abc", expected an integer/);
  });
});

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '../store/fixtures/upload-forever.ts');

/**
 * Runs the uploader child until it has reported `uploads` committed versions, then SIGKILLs it
 * while it writes the next one. Returns how many versions it reported.
 */
export async function crashDuringUploads(kind: 'sqlite' | 'postgres', target: string, uploads: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, kind, target], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  let reported = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      reported += String(d).trim().split('\n').length;
      if (reported >= uploads) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', (code) => (reported < uploads ? reject(new Error(`uploader exited early (${code}): ${stderr}`)) : resolve()));
  });
  await exited;
  return reported;
}

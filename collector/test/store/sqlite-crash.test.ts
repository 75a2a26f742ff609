import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mw-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the uploader child until it has reported `uploads` versions, then SIGKILLs it mid-write. */
async function crashDuringUploads(path: string, uploads: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures/upload-forever.ts'), path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  let reported = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      reported += String(d).trim().split('\n').length;
      // Killed right after a commit returned, while the next transaction is being written.
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

describe('SQLite store after a crash mid-upload', () => {
  it('reopens with every committed version whole and the active pointer on an existing version', async () => {
    const path = join(dir, 'crash.db');
    const reported = await crashDuringUploads(path, 3);

    // Raw check first: no version without its profile, no dangling active pointer, counter ahead of versions.
    const raw = new Database(path);
    const model = raw.prepare('SELECT next_version, active_version FROM models WHERE name = ?').get('m') as {
      next_version: number;
      active_version: string;
    };
    const versions = (raw.prepare('SELECT version, length(profile) AS n FROM baselines WHERE model = ? ORDER BY CAST(version AS INTEGER)').all('m') as {
      version: string;
      n: number;
    }[]);
    raw.close();
    // The kill landed after `reported` commits; the in-flight one is either fully there or absent.
    expect(versions.length === reported || versions.length === reported + 1).toBe(true);
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => String(i + 1)));
    expect(model.next_version).toBe(versions.length + 1);
    expect(model.active_version).toBe(String(versions.length));

    const store = new SqliteStore(path);
    try {
      const active = await store.getActiveBaseline('m');
      expect(active?.version).toBe(String(versions.length));
      expect(Object.keys(active!.metadata!)).toHaveLength(40_000);
      // The store keeps working: the next upload gets the next version.
      const next = await store.putBaseline('m', { ...active!, metadata: {} }, true);
      expect(next.version).toBe(String(versions.length + 1));
    } finally {
      await store.close();
    }
  });
});

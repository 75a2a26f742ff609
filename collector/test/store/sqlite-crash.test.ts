import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { crashDuringUploads } from '../helpers/crash.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite store after a crash mid-upload', () => {
  it('reopens with every committed version whole and the active pointer on an existing version', async () => {
    const path = join(dir, 'crash.db');
    const reported = await crashDuringUploads('sqlite', path, 3);

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

import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEdgePusher } from '../../src/push/edge-pusher.js';

/**
 * Issue 12, item 9: a read-only --push-dir was reported as ENOENT (Node's recursive mkdir says so
 * on a read-only file system). As root the directory is a real read-only tmpfs; otherwise (root
 * ignores permission bits, so this branch only runs unprivileged) a directory without write
 * permission, which must be reported as EACCES.
 */
const isRoot = process.getuid?.() === 0;
let mounted: string | undefined;
let base: string | undefined;
afterEach(async () => {
  if (mounted) execFileSync('umount', [mounted]);
  mounted = undefined;
  if (base) {
    await chmod(base, 0o700).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  }
  base = undefined;
});

describe('edge push buffer directory', () => {
  it('names the real cause when the push directory cannot be created', async () => {
    base = await mkdtemp(join(tmpdir(), 'mw-ro-'));
    let expected: RegExp;
    if (isRoot) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', base]);
      mounted = base;
      expected = /EROFS: the file system is read-only/;
    } else {
      await chmod(base, 0o500);
      expected = /EACCES: permission denied/;
    }
    const err = await startEdgePusher({
      collectorUrl: 'http://127.0.0.1:9', model: 'm', bufferDir: join(base, 'push', 'buffer'), snapshot: () => ({ epoch: 'e', rows: 0, features: [], outputs: [] }),
    }).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(err?.code).toBe('MW_ERR_PUSH_BUFFER');
    expect(err?.message).toMatch(expected);
    expect(err?.message).not.toMatch(/ENOENT/);
  });
});

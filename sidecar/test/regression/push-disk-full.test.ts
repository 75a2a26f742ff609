import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdgePusher } from '../../src/push/edge-pusher.js';
import type { CountsSnapshot } from '../../src/push/snapshot.js';
import { startFakeCollector } from '../push/fake-collector.js';

/**
 * Issue 12, item 1: the window file was written, writing the next sequence number then failed
 * (ENOSPC on a full disk), the counts rolled into the next window, yet the file stayed and was
 * sent again after a restart: every row of that window counted twice. Here the sequence file's
 * temporary name is a directory, so writing it fails exactly where a full disk made it fail.
 */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function counters() {
  const s: CountsSnapshot = { epoch: 'boot', rows: 0, features: [{ name: 'x', type: 'numeric', counts: [0, 0], missing: 0 }], outputs: [] };
  return {
    snapshot: (): CountsSnapshot => structuredClone(s),
    observe(n: number) {
      s.rows += n;
      s.features[0].counts[0] += n;
    },
  };
}

describe('edge push on a disk that fills up', () => {
  it('counts every row exactly once when storing a window fails half-way, across a restart', async () => {
    const collector = await startFakeCollector();
    cleanups.push(() => collector.close());
    const dir = await mkdtemp(join(tmpdir(), 'mw-enospc-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await collector.down();
    const c = counters();
    const errors: string[] = [];
    const open = () => startEdgePusher({
      collectorUrl: collector.url, model: 'm', bufferDir: dir, snapshot: c.snapshot, intervalMs: 3_600_000,
      requestTimeoutMs: 1_000, onError: (m) => errors.push(m),
    });
    const first = await open();
    c.observe(100);
    await first.tick();
    // The next write of the sequence file fails (as with ENOSPC) ...
    const blocker = join(dir, `.next-seq.${process.pid}.tmp`);
    await mkdir(blocker);
    c.observe(10);
    await first.tick();
    expect(errors.some((e) => e.startsWith('buffering a window failed'))).toBe(true);
    // ... space comes back, traffic goes on, then the sidecar restarts while the collector is down.
    await rm(blocker, { recursive: true });
    c.observe(1);
    await first.close();
    await collector.up();
    const second = await open();
    cleanups.push(() => second.close());
    await second.flush();
    expect((await readdir(join(dir, 'windows'))).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect(collector.accepted.reduce((s, w) => s + w.rows, 0)).toBe(111);
  });
});

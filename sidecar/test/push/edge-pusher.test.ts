import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdgePusher, type EdgePusher, type EdgePusherOptions } from '../../src/push/edge-pusher.js';
import type { CountsSnapshot } from '../../src/push/snapshot.js';
import { startFakeCollector, type FakeCollector } from './fake-collector.js';

/** A sidecar's cumulative counters: `observe` adds rows like live traffic would. */
function createCounters() {
  const s: CountsSnapshot = {
    epoch: 'boot-1',
    modelVersion: '3',
    rows: 0,
    features: [{ name: 'wind', type: 'numeric', counts: [0, 0, 0], missing: 0 }],
    outputs: [{ name: 'probabilities', output: 'probabilities', role: 'prediction', type: 'categorical', counts: [0, 0], missing: 0 }],
  };
  return {
    snapshot: (): CountsSnapshot => structuredClone(s),
    observe(bin: number, n = 1) {
      s.rows += n;
      s.features[0].counts[bin] += n;
      s.outputs[0].counts[bin % 2] += n;
    },
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(extra: Partial<EdgePusherOptions> = {}) {
  const collector = await startFakeCollector();
  cleanups.push(() => collector.close());
  const dir = await mkdtemp(join(tmpdir(), 'mw-push-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const counters = createCounters();
  const open = async (more: Partial<EdgePusherOptions> = {}): Promise<EdgePusher> => {
    const p = await startEdgePusher({
      collectorUrl: collector.url, model: 'weather', token: 's3cret', bufferDir: dir, snapshot: counters.snapshot,
      intervalMs: 3_600_000, requestTimeoutMs: 2_000, ...extra, ...more,
    });
    cleanups.push(() => p.close());
    return p;
  };
  return { collector, dir, counters, open };
}

const totalRows = (c: FakeCollector) => c.accepted.reduce((s, w) => s + w.rows, 0);
const windowFiles = async (dir: string) => (await readdir(join(dir, 'windows'))).filter((f) => f.endsWith('.json'));

describe('edge pusher', () => {
  it('pushes the counts added since the last window, with the bearer token, to the model windows endpoint', async () => {
    const { collector, counters, open } = await setup();
    const pusher = await open();
    counters.observe(0, 5);
    await pusher.tick();
    counters.observe(2, 3);
    await pusher.tick();
    expect(collector.requests.map((r) => [r.path, r.auth])).toEqual([
      ['/api/v1/models/weather/windows', 'Bearer s3cret'],
      ['/api/v1/models/weather/windows', 'Bearer s3cret'],
    ]);
    const [a, b] = collector.accepted;
    expect([a.seq, b.seq]).toEqual([0, 1]);
    expect(a.source).toBe(b.source);
    expect([a.rows, a.features[0].counts, a.outputs[0].counts, a.modelVersion]).toEqual([5, [5, 0, 0], [5, 0], '3']);
    expect([b.rows, b.features[0].counts, b.outputs[0].counts]).toEqual([3, [0, 0, 3], [3, 0]]);
    expect(b.start).toBe(a.end);
    expect(pusher.stats()).toMatchObject({ buffered: 0, sent: 2, dropped: 0 });
  });

  it('skips windows without traffic instead of filling the buffer with empty ones', async () => {
    const { collector, open } = await setup();
    const pusher = await open();
    await pusher.tick();
    expect(collector.requests).toHaveLength(0);
    expect(pusher.stats().buffered).toBe(0);
  });

  it('buffers windows on disk while the collector is down and resends them in order when it is back', async () => {
    const { collector, dir, counters, open } = await setup();
    const pusher = await open();
    await collector.down();
    for (let i = 1; i <= 3; i++) {
      counters.observe(1, i);
      await pusher.tick();
    }
    expect(await windowFiles(dir)).toHaveLength(3);
    expect(pusher.stats()).toMatchObject({ buffered: 3, sent: 0 });
    expect(pusher.stats().lastError).toMatch(/collector unreachable/);
    await collector.up();
    await pusher.flush();
    expect(collector.accepted.map((w) => [w.seq, w.rows])).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(await windowFiles(dir)).toHaveLength(0);
    expect(pusher.stats()).toMatchObject({ buffered: 0, sent: 3 });
  });

  it('resends a window whose answer was lost and the collector counts it once', async () => {
    const { collector, counters, open } = await setup();
    const pusher = await open();
    collector.failNext(1, 500, true);
    counters.observe(0, 4);
    await pusher.tick();
    expect(pusher.stats().buffered).toBe(1);
    await pusher.flush();
    expect(collector.duplicates).toBe(1);
    expect(totalRows(collector)).toBe(4);
    expect(pusher.stats().buffered).toBe(0);
  });

  it('keeps its source id and continues its sequence across a restart, sending what the last run buffered', async () => {
    const { collector, dir, counters, open } = await setup();
    const first = await open();
    counters.observe(0, 2);
    await first.tick();
    await collector.down();
    counters.observe(1, 7);
    await first.close();
    expect(await windowFiles(dir)).toHaveLength(1);

    await collector.up();
    const restarted = createCounters();
    const second = await open({ snapshot: restarted.snapshot });
    expect(second.stats().source).toBe(first.stats().source);
    expect(await readFile(join(dir, 'source-id'), 'utf8')).toBe(`${first.stats().source}\n`);
    await second.flush();
    restarted.observe(2, 1);
    await second.tick();
    expect(collector.accepted.map((w) => [w.source, w.seq, w.rows])).toEqual([
      [first.stats().source, 0, 2], [first.stats().source, 1, 7], [first.stats().source, 2, 1],
    ]);
  });

  it('drops the oldest windows when the buffer is full and counts them', async () => {
    const { collector, counters, open } = await setup();
    const pusher = await open({ maxWindows: 2 });
    await collector.down();
    for (let i = 1; i <= 5; i++) {
      counters.observe(0, i);
      await pusher.tick();
    }
    expect(pusher.stats()).toMatchObject({ buffered: 2, dropped: 3 });
    await collector.up();
    await pusher.flush();
    expect(collector.accepted.map((w) => [w.seq, w.rows])).toEqual([[3, 4], [4, 5]]);
  });

  it('bounds the buffer by bytes too', async () => {
    const { collector, counters, open } = await setup();
    const pusher = await open({ maxBytes: 1024 });
    await collector.down();
    for (let i = 1; i <= 6; i++) {
      counters.observe(0);
      await pusher.tick();
    }
    const s = pusher.stats();
    expect(s.bufferedBytes).toBeLessThanOrEqual(1024);
    expect(s.dropped).toBe(6 - s.buffered);
    expect(s.dropped).toBeGreaterThan(0);
  });

  it('drops a window the collector refuses as invalid so it does not block the ones behind it', async () => {
    const { collector, counters, open } = await setup();
    const pusher = await open();
    collector.failNext(1, 400, false);
    counters.observe(0);
    await pusher.tick();
    counters.observe(1);
    await pusher.tick();
    expect(pusher.stats()).toMatchObject({ rejected: 1, buffered: 0, sent: 1 });
    expect(collector.accepted.map((w) => w.seq)).toEqual([1]);
  });

  it('keeps a window for retry when the token is refused', async () => {
    const { collector, counters, open } = await setup();
    const pusher = await open();
    collector.failNext(1, 401, false);
    counters.observe(0);
    await pusher.tick();
    expect(pusher.stats()).toMatchObject({ buffered: 1, rejected: 0 });
    expect(pusher.stats().lastError).toBe('collector answered HTTP 401; window 0 kept for retry');
  });

  it('sends a window it could not write to disk straight from memory, each row once', async () => {
    const { collector, dir, counters, open } = await setup();
    const errors: string[] = [];
    const pusher = await open({ onError: (m) => errors.push(m) });
    // A file where the windows directory should be: the next write fails (works even as root).
    await rm(join(dir, 'windows'), { recursive: true });
    await writeFile(join(dir, 'windows'), '');
    counters.observe(0, 3);
    await pusher.tick();
    expect(errors.some((e) => /^buffering a window failed .*sending it from memory/.test(e))).toBe(true);
    await rm(join(dir, 'windows'));
    await mkdir(join(dir, 'windows'));
    counters.observe(1, 4);
    await pusher.tick();
    expect(collector.accepted.map((w) => [w.rows, w.features[0].counts])).toEqual([[3, [3, 0, 0]], [4, [0, 4, 0]]]);
    // The in-memory window has a source of its own, so its seq never meets the disk buffer's.
    expect(collector.accepted[0].source).not.toBe(collector.accepted[1].source);
  });

  it('holds at most one window in memory while the disk is unwritable and the collector away', async () => {
    const { collector, dir, counters, open } = await setup();
    await collector.down();
    const pusher = await open();
    await rm(join(dir, 'windows'), { recursive: true });
    await writeFile(join(dir, 'windows'), '');
    for (let i = 0; i < 5; i++) {
      counters.observe(0, 2);
      await pusher.tick();
    }
    expect(pusher.stats().buffered).toBe(1);
    await rm(join(dir, 'windows'));
    await mkdir(join(dir, 'windows'));
    await collector.up();
    counters.observe(2, 1);
    await pusher.tick();
    await pusher.flush();
    expect(totalRows(collector)).toBe(11);
  });

  it('pushes on its own every interval', async () => {
    const { collector, counters, open } = await setup();
    await open({ intervalMs: 100 });
    counters.observe(0, 9);
    const deadline = Date.now() + 10_000;
    while (collector.accepted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(totalRows(collector)).toBe(9);
  });

  it('fails fast on a bad collector URL or interval', async () => {
    const { dir, counters } = await setup();
    const base = { model: 'm', bufferDir: dir, snapshot: counters.snapshot };
    await expect(startEdgePusher({ ...base, collectorUrl: 'not a url' })).rejects.toThrow('MW_ERR_PUSH_COLLECTOR');
    await expect(startEdgePusher({ ...base, collectorUrl: 'http://127.0.0.1:1', intervalMs: 0 })).rejects.toThrow('MW_ERR_PUSH_INTERVAL');
  });
});

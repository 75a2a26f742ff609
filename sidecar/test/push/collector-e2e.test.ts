import { afterEach, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '@modelwatch/collector';
import { ProfileBuilder, type BaselineProfile, type NumericFeatureProfile } from '@modelwatch/core';
import { startEdgePusher } from '../../src/push/edge-pusher.js';
import type { CountsSnapshot } from '../../src/push/snapshot.js';

/**
 * The edge pusher against the real collector (SQLite file store): store and forward across a
 * collector outage, and a resent window counted once.
 */
const TOKEN = 'edge-token';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function trainingProfile(): BaselineProfile {
  const b = new ProfileBuilder({ model: 'weather', bins: 8 });
  for (let i = 0; i < 400; i++) b.add({ wind: (i % 40) / 4, temp_max: 10 + (i % 17) });
  return b.finish();
}

async function pushedCount(url: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('modelwatch_pushed_windows_total{') && l.includes('model="weather"') && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('edge pusher with the real collector', () => {
  it('delivers windows buffered during an outage and before the baseline exists, and a resent window counts once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mw-e2e-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = join(dir, 'collector.db');
    let collector = await startCollector({ port: 0, db, token: TOKEN });
    const port = collector.port;
    cleanups.push(() => collector.close());

    const profile = trainingProfile();
    const wind = profile.features.find((f) => f.name === 'wind') as NumericFeatureProfile;
    const bins = wind.bins.counts.length;

    const state: CountsSnapshot = { epoch: 'e1', rows: 0, features: [{ name: 'wind', type: 'numeric', counts: new Array(bins).fill(0), missing: 0 }], outputs: [] };
    const observe = (bin: number, n: number) => { state.rows += n; state.features[0].counts[bin] += n; };
    const buffer = join(dir, 'push');
    const pusher = await startEdgePusher({
      collectorUrl: collector.url, model: 'weather', token: TOKEN, bufferDir: buffer,
      snapshot: () => structuredClone(state), intervalMs: 3_600_000, requestTimeoutMs: 2_000,
    });
    cleanups.push(() => pusher.close());

    // The model is unknown until its baseline is uploaded: the collector answers 404 and the window waits.
    observe(1, 10);
    await pusher.tick();
    expect(pusher.stats()).toMatchObject({ buffered: 1, sent: 0, lastError: 'collector answered HTTP 404; window 0 kept for retry' });
    const upload = await fetch(`${collector.url}/api/v1/models/weather/baselines`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(profile),
    });
    expect(upload.status).toBe(201);
    await pusher.flush();
    expect(await pushedCount(collector.url, 'accepted')).toBe(1);

    await collector.close();
    observe(2, 5);
    await pusher.tick();
    observe(3, 7);
    await pusher.tick();
    expect(pusher.stats()).toMatchObject({ buffered: 2, sent: 1 });
    // Keep a copy of a buffered window to replay it later, as if the collector's answer had been lost.
    const [firstBuffered] = (await readdir(join(buffer, 'windows'))).sort();
    await copyFile(join(buffer, 'windows', firstBuffered), join(dir, 'replay.json'));

    collector = await startCollector({ port, db, token: TOKEN });
    await pusher.flush();
    expect(pusher.stats()).toMatchObject({ buffered: 0, sent: 3 });
    expect(await pushedCount(collector.url, 'accepted')).toBe(2);

    await pusher.close();
    await copyFile(join(dir, 'replay.json'), join(buffer, 'windows', firstBuffered));
    const restarted = await startEdgePusher({
      collectorUrl: collector.url, model: 'weather', token: TOKEN, bufferDir: buffer,
      snapshot: () => structuredClone(state), intervalMs: 3_600_000,
    });
    cleanups.push(() => restarted.close());
    expect(restarted.stats().buffered).toBe(1);
    await restarted.flush();
    expect(restarted.stats().buffered).toBe(0);
    expect(await pushedCount(collector.url, 'duplicate')).toBe(1);
    expect(await pushedCount(collector.url, 'accepted')).toBe(2);
  });
});

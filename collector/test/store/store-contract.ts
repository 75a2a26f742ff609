import { describe, expect, it } from 'vitest';
import type { DriftReport } from '@modelwatch/core';
import type { BaselineStore } from '../../src/store/baseline-store.js';
import { createProfile, createPushedWindow } from '../helpers/factories.js';

function report(model: string, window: string, driftedShare = 0): DriftReport {
  return {
    model,
    window,
    start: '2026-11-01T00:00:00.000Z',
    end: '2026-11-01T00:15:00.000Z',
    features: [],
    driftedShare,
    datasetDrift: false,
    datasetDriftThreshold: 0.5,
  };
}

/**
 * The behaviour every BaselineStore must have; run against memory, SQLite and a real PostgreSQL.
 * `fresh()` returns an empty store for each test.
 */
export function storeContract(name: string, fresh: () => Promise<BaselineStore>): void {
  describe(`${name} store contract`, () => {
    it('assigns increasing versions per model and activates new uploads by default', async () => {
      const store = await fresh();
      const a = await store.putBaseline('m', createProfile('m'), true);
      const b = await store.putBaseline('m', createProfile('m', { rows: 7 }), true);
      const other = await store.putBaseline('n', createProfile('n'), true);
      expect([a.version, b.version, other.version]).toEqual(['1', '2', '1']);
      expect((await store.getActiveBaseline('m'))?.rows).toBe(7);
      expect((await store.getActiveBaseline('m'))?.version).toBe('2');
      const list = await store.listBaselines('m');
      expect(list.map((s) => [s.version, s.active, s.rows])).toEqual([
        ['1', false, 1000],
        ['2', true, 7],
      ]);
    });

    it('keeps the active version when an upload asks not to activate', async () => {
      const store = await fresh();
      await store.putBaseline('m', createProfile('m'), true);
      const b = await store.putBaseline('m', createProfile('m'), false);
      expect(b.active).toBe(false);
      expect((await store.getActiveBaseline('m'))?.version).toBe('1');
    });

    it('has no active baseline for a model whose first upload was not activated', async () => {
      const store = await fresh();
      await store.putBaseline('m', createProfile('m'), false);
      expect(await store.getActiveBaseline('m')).toBeUndefined();
      expect(await store.listModels()).toEqual([{ model: 'm', activeVersion: null, versions: 1 }]);
      expect(await store.activeBaselines()).toEqual([]);
    });

    it('returns the stored profile byte for byte with its version', async () => {
      const store = await fresh();
      const profile = createProfile('m', { metadata: { run: 'abc' } });
      await store.putBaseline('m', profile, true);
      expect(await store.getBaseline('m', '1')).toEqual({ ...profile, version: '1' });
      expect(await store.getBaseline('m', '9')).toBeUndefined();
      expect(await store.getBaseline('nope', '1')).toBeUndefined();
    });

    it('activates an existing version and refuses an unknown one', async () => {
      const store = await fresh();
      await store.putBaseline('m', createProfile('m'), true);
      await store.putBaseline('m', createProfile('m'), true);
      expect(await store.activate('m', '1')).toBe(true);
      expect((await store.getActiveBaseline('m'))?.version).toBe('1');
      expect(await store.activate('m', '3')).toBe(false);
      expect(await store.activate('zz', '1')).toBe(false);
    });

    it('deletes an inactive version, refuses the active one and never reuses a version number', async () => {
      const store = await fresh();
      await store.putBaseline('m', createProfile('m'), true);
      await store.putBaseline('m', createProfile('m'), true);
      expect(await store.deleteBaseline('m', '2')).toBe('active');
      expect(await store.deleteBaseline('m', '1')).toBe('deleted');
      expect(await store.deleteBaseline('m', '1')).toBe('missing');
      const c = await store.putBaseline('m', createProfile('m'), false);
      expect(c.version).toBe('3');
    });

    it('lists models with their active version and count', async () => {
      const store = await fresh();
      await store.putBaseline('b', createProfile('b'), true);
      await store.putBaseline('a', createProfile('a'), true);
      await store.putBaseline('a', createProfile('a'), false);
      expect(await store.listModels()).toEqual([
        { model: 'a', activeVersion: '1', versions: 2 },
        { model: 'b', activeVersion: '1', versions: 1 },
      ]);
      expect(await store.hasModel('a')).toBe(true);
      expect(await store.hasModel('c')).toBe(false);
      expect((await store.activeBaselines()).map((p) => p.model)).toEqual(['a', 'b']);
    });

    it('stores a pushed window once per (source, seq)', async () => {
      const store = await fresh();
      const w = createPushedWindow();
      expect(await store.addPushedWindow(w)).toBe('accepted');
      expect(await store.addPushedWindow({ ...w, rows: 999 })).toBe('duplicate');
      expect(await store.addPushedWindow({ ...w, source: 'edge-2' })).toBe('accepted');
      expect(await store.addPushedWindow({ ...w, seq: 2 })).toBe('accepted');
      const end = Date.parse(w.end);
      const got = await store.pushedWindows('m', end - 1, end);
      expect(got).toHaveLength(3);
      expect(got.every((g) => g.rows === 100)).toBe(true);
    });

    it('selects pushed windows whose end falls in the range and prunes old ones', async () => {
      const store = await fresh();
      const t = Date.parse('2026-11-01T01:00:00.000Z');
      for (let i = 0; i < 4; i++) {
        await store.addPushedWindow(createPushedWindow({ seq: i, end: new Date(t + i * 60_000).toISOString() }));
      }
      await store.addPushedWindow(createPushedWindow({ seq: 10, model: 'other', end: new Date(t).toISOString() }));
      expect((await store.pushedWindows('m', t, t + 2 * 60_000)).map((w) => w.seq)).toEqual([1, 2]);
      expect(await store.prunePushedWindows(t + 60_000)).toBe(2);
      expect((await store.pushedWindows('m', 0, t + 10 * 60_000)).map((w) => w.seq)).toEqual([1, 2, 3]);
    });

    it('keeps drift history newest first, per window, and prunes per model and window', async () => {
      const store = await fresh();
      for (let i = 0; i < 5; i++) {
        await store.appendDriftReport(report('m', '15m', i / 10), `2026-11-01T00:0${i}:00.000Z`);
        await store.appendDriftReport(report('m', '1h', i / 10), `2026-11-01T00:0${i}:00.000Z`);
      }
      await store.appendDriftReport(report('n', '15m'), '2026-11-01T00:00:00.000Z');
      const h = await store.driftHistory('m', 3, '15m');
      expect(h.map((x) => x.report.driftedShare)).toEqual([0.4, 0.3, 0.2]);
      expect(h[0].evaluatedAt).toBe('2026-11-01T00:04:00.000Z');
      expect(await store.driftHistory('m', 100)).toHaveLength(10);
      await store.pruneDriftHistory(2);
      expect(await store.driftHistory('m', 100)).toHaveLength(4);
      expect(await store.driftHistory('n', 100)).toHaveLength(1);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { newPredictionId } from '@modelwatch/core';
import { createRecord } from '../helpers/records.js';
import type { NewReviewItem, QueueBound, ReviewStore } from '../../src/review/review-store.js';

const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const BIG: QueueBound = { maxPending: 100, overflow: 'drop-oldest' };

/** A review item `i` seconds after T0 (ids sort in time order). */
export function createItem(i: number, overrides: Partial<NewReviewItem> = {}): NewReviewItem {
  const id = newPredictionId(T0 + i * 1000);
  const prediction = i % 2 === 0 ? 'cat' : 'dog';
  const record = createRecord('m', i, { id, prediction, confidence: 0.4, inputs: { text: `item ${i}` } });
  return { predictionId: id, reason: 'confidence', prediction, confidence: 0.4, record, ...overrides };
}

/** The behaviour every ReviewStore must have; run against memory, SQLite and a real PostgreSQL. */
export function reviewStoreContract(name: string, fresh: () => Promise<ReviewStore>): void {
  describe(`${name} review store contract`, () => {
    it('lists pending items oldest first, pages with a cursor, and counts a re-sent item as a duplicate', async () => {
      const s = await fresh();
      const items = [0, 1, 2].map((i) => createItem(i));
      expect((await s.enqueue('m', [items[0]], T0 + 10, BIG)).outcomes).toEqual(['queued']);
      expect((await s.enqueue('m', [items[1], items[2], items[0]], T0 + 20, BIG)).outcomes).toEqual(['queued', 'queued', 'duplicate']);
      const all = await s.list('m', { state: 'pending', limit: 10 });
      expect(all.map((i) => i.predictionId)).toEqual(items.map((i) => i.predictionId));
      expect(all[0]).toEqual({ model: 'm', predictionId: items[0].predictionId, reason: 'confidence', enqueuedMs: T0 + 10, prediction: 'cat', confidence: 0.4, record: items[0].record });
      const page1 = await s.list('m', { state: 'pending', limit: 2 });
      const page2 = await s.list('m', { state: 'pending', limit: 2, after: { ms: page1[1].enqueuedMs, id: page1[1].predictionId } });
      expect([...page1, ...page2].map((i) => i.predictionId)).toEqual(items.map((i) => i.predictionId));
      expect(await s.list('other', { state: 'pending', limit: 10 })).toEqual([]);
      expect(await s.stats()).toEqual([{ model: 'm', pending: 3, oldestMs: T0 + 10 }]);
    });

    it('keeps the queue within its bound: drop-oldest drops and reports the oldest, refuse-new refuses', async () => {
      const s = await fresh();
      const items = [0, 1, 2, 3].map((i) => createItem(i, i === 0 ? { reason: 'out_of_range' } : {}));
      await s.enqueue('m', items.slice(0, 2), T0, { maxPending: 2, overflow: 'drop-oldest' });
      const dropped = await s.enqueue('m', [items[2]], T0 + 1, { maxPending: 2, overflow: 'drop-oldest' });
      expect(dropped).toEqual({ outcomes: ['queued'], dropped: ['out_of_range'] });
      expect((await s.list('m', { state: 'pending', limit: 10 })).map((i) => i.predictionId)).toEqual([items[1].predictionId, items[2].predictionId]);
      const refused = await s.enqueue('m', [items[3]], T0 + 2, { maxPending: 2, overflow: 'refuse-new' });
      expect(refused).toEqual({ outcomes: ['refused'], dropped: [] });
      expect(await s.get('m', items[3].predictionId)).toBeUndefined();
    });

    it('never lets two reviewers hold one item: a claim is a lease that expires', async () => {
      const s = await fresh();
      const [a, b] = [createItem(0), createItem(1)];
      await s.enqueue('m', [a, b], T0, BIG);
      const first = await s.claim('m', a.predictionId, 'ann', T0 + 100, 60_000);
      expect(first).toMatchObject({ outcome: 'claimed', item: { claimedBy: 'ann', claimUntilMs: T0 + 60_100 } });
      expect(await s.claim('m', a.predictionId, 'bob', T0 + 200, 60_000)).toEqual({ outcome: 'held', by: 'ann', untilMs: T0 + 60_100 });
      // Bob's next item is the one Ann does not hold.
      expect((await s.claimNext('m', 'bob', T0 + 300, 60_000))?.predictionId).toBe(b.predictionId);
      expect(await s.claimNext('m', 'cid', T0 + 400, 60_000)).toBeUndefined();
      // Ann's lease runs out: Cid may take the item.
      expect((await s.claimNext('m', 'cid', T0 + 60_100, 60_000))?.predictionId).toBe(a.predictionId);
      expect(await s.claim('m', 'nope', 'ann', T0, 1)).toEqual({ outcome: 'unknown' });
    });

    it('gives a reviewer their own live claim back first and leaves out skipped items', async () => {
      const s = await fresh();
      const items = [0, 1, 2].map((i) => createItem(i));
      await s.enqueue('m', items, T0, BIG);
      await s.claim('m', items[1].predictionId, 'ann', T0, 60_000);
      expect((await s.claimNext('m', 'ann', T0 + 1, 60_000))?.predictionId).toBe(items[1].predictionId);
      expect((await s.claimNext('m', 'ann', T0 + 2, 60_000, [items[1].predictionId]))?.predictionId).toBe(items[0].predictionId);
    });

    it('records one decision: refuses another reviewer holding a live claim and a second decision', async () => {
      const s = await fresh();
      const [a, b] = [createItem(0), createItem(1)];
      await s.enqueue('m', [a, b], T0, BIG);
      await s.claim('m', a.predictionId, 'ann', T0, 60_000);
      expect(await s.decide('m', a.predictionId, { reviewer: 'bob', label: 'dog' }, T0 + 1)).toMatchObject({ outcome: 'held', by: 'ann' });
      const done = await s.decide('m', a.predictionId, { reviewer: 'ann', label: 'dog' }, T0 + 2);
      expect(done).toEqual({
        outcome: 'decided',
        item: { model: 'm', predictionId: a.predictionId, reason: 'confidence', enqueuedMs: T0, prediction: 'cat', confidence: 0.4, record: a.record, decidedBy: 'ann', decidedMs: T0 + 2, decisionLabel: 'dog' },
      });
      expect(await s.decide('m', a.predictionId, { reviewer: 'ann', label: 'cat' }, T0 + 3)).toEqual({ outcome: 'already_decided' });
      expect(await s.claim('m', a.predictionId, 'bob', T0 + 3, 1)).toEqual({ outcome: 'already_decided' });
      // An unclaimed item can be decided directly; a regression value is kept as a number.
      expect(await s.decide('m', b.predictionId, { reviewer: 'bob', value: 2.5 }, T0 + 4)).toMatchObject({ outcome: 'decided', item: { decisionValue: 2.5 } });
      expect(await s.decide('m', 'nope', { reviewer: 'bob', value: 1 }, T0)).toEqual({ outcome: 'unknown' });
      expect((await s.list('m', { state: 'decided', limit: 10 })).map((i) => i.predictionId)).toEqual([a.predictionId, b.predictionId]);
      expect(await s.list('m', { state: 'pending', limit: 10 })).toEqual([]);
      expect(await s.stats()).toEqual([]);
    });

    it('keeps the retraining history per model, newest first', async () => {
      const s = await fresh();
      await s.appendRetrainingEvent({ id: 'a', model: 'm', timeMs: T0, reason: 'performance', outcome: 'delivered', detail: { evidence: { accuracy: 0.61 } } });
      await s.appendRetrainingEvent({ id: 'b', model: 'm', timeMs: T0 + 5, reason: 'manual', outcome: 'failed', detail: { attempts: 3 } });
      await s.appendRetrainingEvent({ id: 'c', model: 'other', timeMs: T0 + 9, reason: 'dataset_drift', outcome: 'suppressed', detail: {} });
      expect(await s.retrainingEvents('m', 10)).toEqual([
        { id: 'b', model: 'm', timeMs: T0 + 5, reason: 'manual', outcome: 'failed', detail: { attempts: 3 } },
        { id: 'a', model: 'm', timeMs: T0, reason: 'performance', outcome: 'delivered', detail: { evidence: { accuracy: 0.61 } } },
      ]);
      expect((await s.retrainingEvents('m', 1)).map((e) => e.id)).toEqual(['b']);
    });

    it('prunes items decided (or queued) before the retention cut', async () => {
      const s = await fresh();
      const [a, b, c] = [createItem(0), createItem(1), createItem(2)];
      await s.enqueue('m', [a, b], T0, BIG);
      await s.enqueue('m', [c], T0 + 5000, BIG);
      await s.decide('m', a.predictionId, { reviewer: 'ann', label: 'cat' }, T0 + 10_000);
      expect(await s.prune(T0 + 1000)).toBe(1);
      expect(await s.get('m', b.predictionId)).toBeUndefined();
      expect(await s.get('m', a.predictionId)).toBeDefined();
      expect(await s.get('m', c.predictionId)).toBeDefined();
    });
  });
}

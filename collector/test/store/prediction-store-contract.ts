import { describe, expect, it } from 'vitest';
import { newPredictionId } from '@modelwatch/core';
import type { FeedbackContext, PredictionStore } from '../../src/store/prediction-store.js';
import { createRecord, RECORD_T0 } from '../helpers/records.js';

const DAY = 86_400_000;
const ctx = (overrides: Partial<FeedbackContext> = {}): FeedbackContext => ({
  nowMs: RECORD_T0 + DAY,
  retainedFromMs: RECORD_T0 - DAY,
  events: new Set(['redo', 'click']),
  ...overrides,
});

/**
 * The behaviour every PredictionStore must have; run against memory, SQLite and a real PostgreSQL.
 * `fresh()` returns an empty store for each test.
 */
export function predictionStoreContract(name: string, fresh: () => Promise<PredictionStore>): void {
  describe(`${name} prediction store contract`, () => {
    it('stores records once: a retried batch is counted as duplicates and changes nothing', async () => {
      const store = await fresh();
      const records = [createRecord('m', 0, { inputs: { temp: 3.5, city: 'x' }, traceId: 'a'.repeat(32), pipeline: 'p', subject: 's1' }), createRecord('m', 1)];
      expect(await store.putPredictions('m', records, RECORD_T0 + 5)).toEqual({ accepted: 2, duplicate: 0, labelsJoined: 0 });
      expect(await store.putPredictions('m', [records[1], createRecord('m', 2)], RECORD_T0 + 6)).toEqual({ accepted: 1, duplicate: 1, labelsJoined: 0 });
      const got = await store.getPrediction('m', records[0].id);
      expect(got).toEqual({ ...records[0], receivedAt: new Date(RECORD_T0 + 5).toISOString(), events: [] });
      expect(await store.getPrediction('other', records[0].id)).toBeUndefined();
      expect(await store.predictionModels()).toEqual(['m']);
    });

    it('keeps the first label, counts later ones as duplicates, and numbers labels in arrival order', async () => {
      const store = await fresh();
      const [a, b, c] = [0, 1, 2].map((i) => createRecord('m', i));
      await store.putPredictions('m', [a, b, c], RECORD_T0);
      const out = await store.applyFeedback(
        'm',
        [
          { predictionId: c.id, label: 'rain' },
          { predictionId: a.id, label: 'sun', time: new Date(RECORD_T0 + 60_000).toISOString() },
          { predictionId: c.id, label: 'sun' },
        ],
        ctx(),
      );
      expect(out).toEqual(['accepted', 'accepted', 'duplicate']);
      expect(await store.applyFeedback('m', [{ predictionId: a.id, label: 'rain' }, { predictionId: b.id, value: 2.5 }], ctx())).toEqual([
        'duplicate',
        'accepted',
      ]);
      const labelled = await store.labelledPredictions('m', RECORD_T0 - 1, RECORD_T0 + DAY);
      expect(labelled.map((l) => [l.id, l.label, l.labelValue, l.prediction])).toEqual([
        [c.id, 'rain', undefined, 'sun'],
        [a.id, 'sun', undefined, 'sun'],
        [b.id, undefined, 2.5, 'rain'],
      ]);
      expect(labelled[1].labelMs).toBe(RECORD_T0 + 60_000);
      expect(labelled[0].labelMs).toBe(RECORD_T0 + DAY);
      expect(labelled[0].seq).toBeLessThan(labelled[1].seq);
      expect(labelled[1].seq).toBeLessThan(labelled[2].seq);
      const since = await store.labelsSince('m', labelled[0].seq, 1);
      expect(since.map((l) => l.id)).toEqual([a.id]);
      expect((await store.getPrediction('m', a.id))?.label).toBe('sun');
    });

    it('answers unknown_id for ids it never saw and late for ids older than retention', async () => {
      const store = await fresh();
      await store.putPredictions('m', [createRecord('m', 0)], RECORD_T0);
      const old = newPredictionId(RECORD_T0 - 2 * DAY);
      const recent = newPredictionId(RECORD_T0);
      const out = await store.applyFeedback(
        'm',
        [
          { predictionId: old, label: 'x' },
          { predictionId: recent, label: 'x' },
          { predictionId: 'client-request-17', label: 'x' },
          { predictionId: old, event: 'redo' },
        ],
        ctx(),
      );
      expect(out).toEqual(['late', 'unknown_id', 'unknown_id', 'late']);
    });

    it('holds a label that arrives before its record and joins it when the record arrives', async () => {
      const store = await fresh();
      const [a, b, other] = [0, 1, 2].map((i) => createRecord('m', i, { prediction: 'sun', confidence: 0.75 }));
      await store.putPredictions('m', [other], RECORD_T0);
      const held = ctx({ maxPending: 10, nowMs: RECORD_T0 + 5_000 });
      expect(
        await store.applyFeedback(
          'm',
          [
            { predictionId: a.id, label: 'sun' },
            { predictionId: b.id, value: 2.5 },
            { predictionId: a.id, label: 'rain' },
            { predictionId: other.id, label: 'sun' },
            { predictionId: a.id, event: 'redo' },
          ],
          held,
        ),
      ).toEqual(['pending', 'pending', 'duplicate', 'accepted', 'unknown_id']);
      // Sent again before the record arrived: still the first label, held once.
      expect(await store.applyFeedback('m', [{ predictionId: a.id, label: 'rain' }], held)).toEqual(['duplicate']);
      expect(await store.pendingCount('m')).toBe(2);
      expect(await store.getPrediction('m', a.id)).toBeUndefined();
      expect(await store.putPredictions('m', [a, b], RECORD_T0 + 6_000, RECORD_T0)).toEqual({ accepted: 2, duplicate: 0, labelsJoined: 2 });
      expect(await store.pendingCount('m')).toBe(0);
      const labelled = await store.labelledPredictions('m', RECORD_T0 - 1, RECORD_T0 + DAY);
      expect(labelled.map((l) => [l.id, l.label, l.labelValue, l.labelMs])).toEqual([
        [other.id, 'sun', undefined, RECORD_T0 + 5_000],
        [a.id, 'sun', undefined, RECORD_T0 + 5_000],
        [b.id, undefined, 2.5, RECORD_T0 + 5_000],
      ]);
      // Counted in realized performance like any label.
      const [primary] = await store.performanceCounts('m', RECORD_T0 - 60_000, RECORD_T0 + DAY);
      expect(primary.counts.confusion.reduce((n, p) => n + p.n, 0)).toBe(2);
      expect(primary.counts.regression.n).toBe(0);
      expect(primary.delays.reduce((n, d) => n + d, 0)).toBe(3);
      expect(await store.applyFeedback('m', [{ predictionId: a.id, label: 'rain' }], held)).toEqual(['duplicate']);
      expect(await store.expirePending(RECORD_T0 + DAY)).toEqual([]);
    });

    it('holds at most maxPending labels per model and expires those whose record never came', async () => {
      const store = await fresh();
      const ids = [0, 1, 2, 3].map((i) => createRecord('m', i));
      const at = (nowMs: number) => ctx({ maxPending: 2, nowMs });
      expect(await store.applyFeedback('m', [{ predictionId: ids[0].id, label: 'sun' }], at(RECORD_T0 + 1_000))).toEqual(['pending']);
      expect(
        await store.applyFeedback('m', [{ predictionId: ids[1].id, label: 'sun' }, { predictionId: ids[2].id, label: 'sun' }], at(RECORD_T0 + 2_000)),
      ).toEqual(['pending', 'unknown_id']);
      // The bound is per model.
      expect(await store.applyFeedback('n', [{ predictionId: ids[3].id, label: 'sun' }], at(RECORD_T0 + 2_000))).toEqual(['pending']);
      // Without maxPending nothing is held.
      expect(await store.applyFeedback('m', [{ predictionId: ids[3].id, label: 'sun' }], ctx())).toEqual(['unknown_id']);
      expect(await store.pendingCount('m')).toBe(2);
      expect(await store.expirePending(RECORD_T0 + 1_500)).toEqual([{ model: 'm', expired: 1 }]);
      // ids[1]'s label is past the grace period when its record arrives (pendingFromMs): not joined, left to expire.
      expect((await store.putPredictions('m', [ids[0], ids[1]], RECORD_T0 + 9_000, RECORD_T0 + 2_500)).labelsJoined).toBe(0);
      expect(await store.labelledPredictions('m', RECORD_T0 - 1, RECORD_T0 + DAY)).toEqual([]);
      expect(await store.expirePending(RECORD_T0 + 2_500)).toEqual([
        { model: 'm', expired: 1 },
        { model: 'n', expired: 1 },
      ]);
      expect(await store.pendingCount('m')).toBe(0);
    });

    it('records one event per prediction and name, refuses unconfigured names, and counts them per variant', async () => {
      const store = await fresh();
      const a = createRecord('m', 0);
      const b = createRecord('m', 1, { variant: 'canary' });
      await store.putPredictions('m', [a, b, createRecord('m', 2)], RECORD_T0);
      const out = await store.applyFeedback(
        'm',
        [
          { predictionId: a.id, event: 'redo' },
          { predictionId: a.id, event: 'redo', value: 2 },
          { predictionId: a.id, event: 'click', value: 1.5 },
          { predictionId: b.id, event: 'redo' },
          { predictionId: b.id, event: 'purchase' },
        ],
        ctx(),
      );
      expect(out).toEqual(['accepted', 'duplicate', 'accepted', 'accepted', 'unknown_event']);
      await store.applyFeedback('m', [{ predictionId: a.id, label: 'sun' }], ctx());
      expect(await store.predictionCounts('m', RECORD_T0 - 1, RECORD_T0 + DAY)).toEqual([
        { variant: 'canary', predictions: 1, labelled: 0, events: { redo: 1 } },
        { variant: 'primary', predictions: 2, labelled: 1, events: { redo: 1, click: 1 } },
      ]);
      const got = await store.getPrediction('m', a.id);
      expect(got?.events.map((e) => [e.event, e.value]).sort()).toEqual([
        ['click', 1.5],
        ['redo', undefined],
      ]);
    });

    it('aggregates a window\'s labelled predictions into the statistics realized performance needs', async () => {
      const store = await fresh();
      // primary: classes (sun/rain) with confidences; canary: a regression model.
      const cls = [0, 1, 2, 3].map((i) => createRecord('m', i, { prediction: i < 3 ? 'sun' : 'rain', confidence: 0.55 + i * 0.1 }));
      const reg = [4, 5, 6].map((i) => createRecord('m', i, { variant: 'canary', prediction: i * 1.5, confidence: undefined }));
      const numeric = createRecord('m', 7, { prediction: 1, confidence: 0.95 });
      await store.putPredictions('m', [...cls, ...reg, numeric], RECORD_T0);
      const at = (r: { time: string }, s: number) => new Date(Date.parse(r.time) + s * 1000).toISOString();
      await store.applyFeedback(
        'm',
        [
          { predictionId: cls[0].id, label: 'sun', time: at(cls[0], 3) },
          { predictionId: cls[1].id, label: 'rain', time: at(cls[1], 3) },
          { predictionId: cls[2].id, label: 'sun', time: at(cls[2], 700) },
          { predictionId: cls[3].id, label: 'rain', time: at(cls[3], 700) },
          { predictionId: numeric.id, label: '1', time: at(numeric, 3) },
          ...reg.map((r, k) => ({ predictionId: r.id, value: k, time: at(r, 3) })),
        ],
        ctx(),
      );
      const stats = await store.performanceCounts('m', RECORD_T0 - 1, RECORD_T0 + DAY);
      expect(stats.map((s) => s.variant)).toEqual(['canary', 'primary']);
      const [canary, primary] = stats;
      const sortPairs = (c: { prediction: string | null; label: string; n: number }[]) =>
        [...c].sort((a, b) => `${a.prediction}${a.label}`.localeCompare(`${b.prediction}${b.label}`));
      expect(sortPairs(primary.counts.confusion)).toEqual([
        { prediction: '1', label: '1', n: 1 },
        { prediction: 'rain', label: 'rain', n: 1 },
        { prediction: 'sun', label: 'rain', n: 1 },
        { prediction: 'sun', label: 'sun', n: 2 },
      ]);
      // Bins of 0.1: 0.55 → 5, 0.65 → 6, 0.75 → 7, 0.85 → 8, 0.95 → 9 (the numeric class 1 = "1" is right).
      expect(primary.counts.calibration.map((b) => [b.bin, b.n, b.correct])).toEqual([[5, 1, 1], [6, 1, 0], [7, 1, 1], [8, 1, 1], [9, 1, 1]]);
      expect(primary.counts.calibration[0].confidenceSum).toBeCloseTo(0.55, 10);
      expect(primary.counts.regression.n).toBe(0);
      // canary errors: 6-0, 7.5-1, 9-2 → 6, 6.5, 7
      expect(canary.counts.regression.n).toBe(3);
      expect(canary.counts.regression.absSum).toBeCloseTo(19.5, 10);
      expect(canary.counts.regression.sqSum).toBeCloseTo(36 + 42.25 + 49, 10);
      expect(canary.counts.confusion).toEqual([]);
      // Delays: 3 s → bucket [2, 5) (index 2); 700 s → [600, 1200) (index 10).
      expect(primary.delays[2]).toBe(3);
      expect(primary.delays[10]).toBe(2);
      expect(primary.delays.reduce((a, b) => a + b, 0)).toBe(5);
    });

    it('pages records in time order with filters', async () => {
      const store = await fresh();
      const records = [0, 1, 2, 3, 4].map((i) => createRecord('m', i, { variant: i === 3 ? 'canary' : 'primary' }));
      await store.putPredictions('m', records, RECORD_T0);
      await store.applyFeedback('m', [{ predictionId: records[1].id, label: 'sun' }], ctx());
      const all = { fromMs: RECORD_T0 - 1, toMs: RECORD_T0 + DAY, limit: 2 };
      const page1 = await store.predictions('m', all);
      expect(page1.map((r) => r.id)).toEqual([records[0].id, records[1].id]);
      const page2 = await store.predictions('m', { ...all, after: { timeMs: Date.parse(page1[1].time), id: page1[1].id } });
      expect(page2.map((r) => r.id)).toEqual([records[2].id, records[3].id]);
      expect((await store.predictions('m', { ...all, labelled: true, limit: 10 })).map((r) => r.id)).toEqual([records[1].id]);
      expect((await store.predictions('m', { ...all, labelled: false, limit: 10 })).length).toBe(4);
      expect((await store.predictions('m', { ...all, variant: 'canary', limit: 10 })).map((r) => r.id)).toEqual([records[3].id]);
      expect((await store.predictions('m', { ...all, fromMs: RECORD_T0 + 2000, limit: 10 })).length).toBe(2);
    });

    it('erases a subject: records, labels and events go, other subjects stay', async () => {
      const store = await fresh();
      const a = createRecord('m', 0, { subject: 'k1' });
      const b = createRecord('m', 1, { subject: 'k2' });
      const c = createRecord('m', 2, { subject: 'k1' });
      await store.putPredictions('m', [a, b, c], RECORD_T0);
      await store.applyFeedback('m', [{ predictionId: a.id, label: 'sun' }, { predictionId: a.id, event: 'redo' }], ctx());
      expect(await store.deleteBySubject('other', 'k1')).toBe(0);
      expect(await store.deleteBySubject('m', 'k1')).toBe(2);
      expect(await store.getPrediction('m', a.id)).toBeUndefined();
      expect(await store.getPrediction('m', c.id)).toBeUndefined();
      expect((await store.getPrediction('m', b.id))?.subject).toBe('k2');
      expect(await store.predictionCounts('m', RECORD_T0 - 1, RECORD_T0 + DAY)).toEqual([
        { variant: 'primary', predictions: 1, labelled: 0, events: {} },
      ]);
      expect(await store.labelledPredictions('m', RECORD_T0 - 1, RECORD_T0 + DAY)).toEqual([]);
      // A re-shipped copy of an erased record is stored again: erasure is not a tombstone.
      expect(await store.applyFeedback('m', [{ predictionId: a.id, event: 'redo' }], ctx())).toEqual(['unknown_id']);
    });

    it('erasure takes the erased labels out of realized performance: it equals that of the remaining data', async () => {
      const store = await fresh();
      const erasedToo = await fresh();
      // Same minute, same answers: the erased subject's labels share rollup rows with the kept ones.
      const kept = [0, 1, 2].map((i) => createRecord('m', i, { subject: 'keep', prediction: 'sun', confidence: 0.72 }));
      const gone = [3, 4].map((i) => createRecord('m', i, { subject: 'gone', prediction: 'sun', confidence: 0.71 }));
      const goneReg = createRecord('m', 5, { subject: 'gone', variant: 'canary', prediction: 4.5, confidence: undefined });
      const keptReg = createRecord('m', 6, { subject: 'keep', variant: 'canary', prediction: 2, confidence: undefined });
      const labels = [
        { predictionId: kept[0].id, label: 'sun' },
        { predictionId: kept[1].id, label: 'rain' },
        { predictionId: gone[0].id, label: 'sun' },
        { predictionId: gone[1].id, label: 'rain' },
        { predictionId: goneReg.id, value: 1 },
        { predictionId: keptReg.id, value: 1.5 },
      ];
      await store.putPredictions('m', [...kept, ...gone, goneReg, keptReg], RECORD_T0);
      expect(await store.applyFeedback('m', labels, ctx())).toEqual(labels.map(() => 'accepted'));
      expect(await store.deleteBySubject('m', 'gone')).toBe(3);
      // The reference: a store that only ever saw the remaining data.
      await erasedToo.putPredictions('m', [...kept, keptReg], RECORD_T0);
      await erasedToo.applyFeedback('m', labels.filter((l) => l.predictionId !== goneReg.id && !gone.some((g) => g.id === l.predictionId)), ctx());
      const window = [RECORD_T0 - 60_000, RECORD_T0 + DAY] as const;
      const after = await store.performanceCounts('m', ...window);
      const reference = await erasedToo.performanceCounts('m', ...window);
      expect(after.map((v) => v.variant)).toEqual(['canary', 'primary']);
      const sortPairs = (c: { prediction: string | null; label: string; n: number }[]) =>
        [...c].sort((x, y) => `${x.prediction}${x.label}`.localeCompare(`${y.prediction}${y.label}`));
      for (const [i, v] of after.entries()) {
        const ref = reference[i];
        expect(v.variant).toBe(ref.variant);
        expect(sortPairs(v.counts.confusion)).toEqual(sortPairs(ref.counts.confusion));
        expect(v.counts.calibration.map((b) => [b.bin, b.n, b.correct])).toEqual(ref.counts.calibration.map((b) => [b.bin, b.n, b.correct]));
        v.counts.calibration.forEach((b, k) => expect(b.confidenceSum).toBeCloseTo(ref.counts.calibration[k].confidenceSum, 9));
        expect(v.counts.regression.n).toBe(ref.counts.regression.n);
        expect(v.counts.regression.absSum).toBeCloseTo(ref.counts.regression.absSum, 9);
        expect(v.counts.regression.sqSum).toBeCloseTo(ref.counts.regression.sqSum, 9);
        expect(v.counts.regression.sum).toBeCloseTo(ref.counts.regression.sum, 9);
        expect(v.delays).toEqual(ref.delays);
      }
      expect(after[1].counts.confusion.reduce((n, p) => n + p.n, 0)).toBe(2);
      expect(after[0].counts.regression.n).toBe(1);
      // Erasing the last labels of a variant leaves no variant behind.
      await store.deleteBySubject('m', 'keep');
      expect(await store.performanceCounts('m', ...window)).toEqual([]);
    });

    it('prunes records older than the retention cut with what was joined to them', async () => {
      const store = await fresh();
      const records = [0, 10, 20].map((i) => createRecord('m', i));
      await store.putPredictions('m', records, RECORD_T0);
      await store.applyFeedback('m', [{ predictionId: records[0].id, event: 'redo' }], ctx());
      expect(await store.prunePredictions(RECORD_T0 + 15_000)).toBe(2);
      expect((await store.predictions('m', { fromMs: 0, toMs: RECORD_T0 + DAY, limit: 10 })).map((r) => r.id)).toEqual([records[2].id]);
      expect(await store.predictionCounts('m', 0, RECORD_T0 + DAY)).toEqual([{ variant: 'primary', predictions: 1, labelled: 0, events: {} }]);
    });

    it('keeps detector state per variant and detector, replacing on update', async () => {
      const store = await fresh();
      expect(await store.detectorStates('m')).toEqual([]);
      await store.putDetectorStates('m', [
        { variant: 'primary', detector: 'ddm', state: { n: 3, p: 0.25, nested: [1, 2] }, cursor: 7 },
        { variant: 'canary', detector: 'adwin', state: { buckets: [[1, 0.5]] }, cursor: 2 },
      ]);
      await store.putDetectorStates('m', [{ variant: 'primary', detector: 'ddm', state: { n: 4, p: 0.2, nested: [] }, cursor: 9 }]);
      expect(await store.detectorStates('m')).toEqual([
        { variant: 'canary', detector: 'adwin', state: { buckets: [[1, 0.5]] }, cursor: 2 },
        { variant: 'primary', detector: 'ddm', state: { n: 4, p: 0.2, nested: [] }, cursor: 9 },
      ]);
      expect(await store.detectorStates('other')).toEqual([]);
    });

    it('keeps performance history newest first per window and prunes per model and window', async () => {
      const store = await fresh();
      const report = (window: string, labelled: number) => ({
        model: 'm',
        window,
        start: '2026-11-01T00:00:00.000Z',
        end: '2026-11-01T01:00:00.000Z',
        variants: [{ variant: 'primary', predictions: 10, labelled, eventRates: {} }],
      });
      for (let i = 0; i < 4; i++) await store.appendPerformance(report('1h', i), `2026-11-01T0${i}:00:00.000Z`);
      await store.appendPerformance(report('1d', 9), '2026-11-01T05:00:00.000Z');
      expect((await store.performanceHistory('m', 2, '1h')).map((h) => h.report.variants[0].labelled)).toEqual([3, 2]);
      expect((await store.performanceHistory('m', 10)).map((h) => h.report.window)).toEqual(['1d', '1h', '1h', '1h', '1h']);
      await store.prunePerformanceHistory(1);
      expect((await store.performanceHistory('m', 10)).map((h) => [h.report.window, h.evaluatedAt])).toEqual([
        ['1d', '2026-11-01T05:00:00.000Z'],
        ['1h', '2026-11-01T03:00:00.000Z'],
      ]);
      expect(await store.performanceHistory('other', 10)).toEqual([]);
    });
  });
}

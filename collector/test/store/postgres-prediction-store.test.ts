import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryPredictionStore } from '../../src/store/memory-prediction-store.js';
import { PostgresPredictionStore } from '../../src/store/postgres-prediction-store.js';
import { createDatabase, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { createRecord, RECORD_T0 } from '../helpers/records.js';
import { predictionStoreContract } from './prediction-store-contract.js';

let server: TestPostgres;
const open: PostgresPredictionStore[] = [];
let n = 0;

beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => server?.stop());

// Each test gets its own database so the contract starts from an empty store every time.
predictionStoreContract('postgres', async () => {
  const name = `p${n++}`;
  const store = await PostgresPredictionStore.open(await createDatabase(server, name));
  open.push(store);
  return store;
});

describe('postgres prediction store upgrade', () => {
  it('moves labels kept in the record row by earlier versions into the labels table on open', async () => {
    const url = await createDatabase(server, `p${n++}`);
    const [a, b] = [createRecord('m', 0), createRecord('m', 1)];
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // The schema before labels had their own table, with one labelled and one unlabelled record.
      await admin.query(`CREATE TABLE predictions (model TEXT NOT NULL, id TEXT NOT NULL, time_ms BIGINT NOT NULL, received_ms BIGINT NOT NULL,
        version TEXT NOT NULL, variant TEXT NOT NULL, stage TEXT NOT NULL, pipeline TEXT, prediction TEXT NOT NULL, confidence DOUBLE PRECISION,
        trace_id TEXT, subject TEXT, payload JSONB NOT NULL, label_text TEXT, label_value DOUBLE PRECISION, label_ms BIGINT, label_seq BIGINT,
        PRIMARY KEY (model, id));
        CREATE INDEX predictions_label_seq ON predictions (model, label_seq) WHERE label_seq IS NOT NULL;`);
      for (const [r, label] of [[a, 'rain'], [b, null]] as const) {
        await admin.query(
          `INSERT INTO predictions (model, id, time_ms, received_ms, version, variant, stage, prediction, confidence, payload, label_text, label_ms, label_seq)
           VALUES ('m', $1, $2, $2, '1', 'primary', 'default', $3, 0.75, '{}', $4, $5, $6)`,
          [r.id, Date.parse(r.time), JSON.stringify(r.prediction), label, label ? Date.parse(r.time) + 5000 : null, label ? 1 : null],
        );
      }
    } finally {
      await admin.end();
    }
    const store = await PostgresPredictionStore.open(url);
    open.push(store);
    expect((await store.labelsSince('m', 0, 10)).map((l) => [l.id, l.label, l.seq])).toEqual([[a.id, 'rain', 1]]);
    expect((await store.getPrediction('m', a.id))?.labelTime).toBe(new Date(Date.parse(a.time) + 5000).toISOString());
    expect(await store.applyFeedback('m', [{ predictionId: a.id, label: 'sun' }, { predictionId: b.id, label: 'sun' }], {
      nowMs: RECORD_T0, retainedFromMs: 0, events: new Set(),
    })).toEqual(['duplicate', 'accepted']);
    // Opening again (the columns are gone now) changes nothing.
    const again = await PostgresPredictionStore.open(url);
    open.push(again);
    expect((await again.labelsSince('m', 0, 10)).map((l) => l.id)).toEqual([a.id, b.id]);
  });
});

describe('postgres label join of large batches (two transactions at once)', () => {
  it('answers every item exactly as the in-memory store does, and concurrent batches on the same ids never deadlock', async () => {
    const store = await PostgresPredictionStore.open(await createDatabase(server, `p${n++}`));
    open.push(store);
    const reference = new MemoryPredictionStore();
    const CLASSES = ['sun', 'rain', 'fog'];
    const records = Array.from({ length: 6_000 }, (_, i) =>
      createRecord('m', i, { prediction: i % 7 === 0 ? i * 0.5 : CLASSES[i % 3], variant: i % 4 === 0 ? 'canary' : 'primary', confidence: (i % 10) / 10 + 0.05 }),
    );
    for (const s of [store, reference]) await s.putPredictions('m', records, RECORD_T0);
    const ctx = { nowMs: RECORD_T0 + 3_600_000, retainedFromMs: RECORD_T0 - 86_400_000, events: new Set(['click']), maxPending: 100 };
    const batch = (from: number, to: number) =>
      records.slice(from, to).flatMap((r, k) => {
        const i = from + k;
        const item = i % 7 === 0 ? { predictionId: r.id, value: i * 0.25 } : { predictionId: r.id, label: CLASSES[(i * 5) % 3], time: new Date(RECORD_T0 + i * 700).toISOString() };
        return i % 11 === 0 ? [item, { predictionId: r.id, event: 'click' }] : [item];
      });
    const first = [...batch(0, 4_000), { predictionId: 'not-shipped-yet', label: 'sun' }, { predictionId: records[5].id, label: 'fog' }];
    const expected = await reference.applyFeedback('m', first, ctx);
    expect(await store.applyFeedback('m', first, ctx)).toEqual(expected);
    expect(expected.filter((o) => o === 'accepted').length).toBe(4_000 + Math.ceil(4_000 / 11));
    // Two overlapping batches at once: each id is labelled once, whoever wins.
    const [x, y] = await Promise.all([store.applyFeedback('m', batch(3_000, 6_000), ctx), store.applyFeedback('m', batch(3_500, 6_000), ctx)]);
    await reference.applyFeedback('m', batch(3_000, 6_000), ctx);
    const accepted = (o: string[]) => o.filter((v) => v === 'accepted').length;
    expect(accepted(x) + accepted(y)).toBe(2_000 + records.slice(4_000).filter((_, k) => (4_000 + k) % 11 === 0).length);
    const window = [RECORD_T0 - 60_000, RECORD_T0 + 86_400_000] as const;
    const [got, want] = [await store.performanceCounts('m', ...window), await reference.performanceCounts('m', ...window)];
    const norm = (v: typeof got) =>
      v.map((c) => ({
        variant: c.variant,
        confusion: [...c.counts.confusion].sort((a, b) => `${a.prediction}/${a.label}`.localeCompare(`${b.prediction}/${b.label}`)),
        calibration: c.counts.calibration.map((b) => [b.bin, b.n, b.correct, Number(b.confidenceSum.toFixed(6))]),
        regression: [c.counts.regression.n, Number(c.counts.regression.absSum.toFixed(6)), Number(c.counts.regression.sqSum.toFixed(3))],
        delays: c.delays,
      }));
    expect(norm(got)).toEqual(norm(want));
    expect((await store.labelledPredictions('m', ...window)).length).toBe(6_000);
    expect(await store.predictionCounts('m', ...window)).toEqual(await reference.predictionCounts('m', ...window));
  }, 60_000);
});

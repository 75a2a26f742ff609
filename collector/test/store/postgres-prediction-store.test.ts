import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPredictionId } from '@modelwatch/core';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { call } from '../helpers/http.js';
import { createRecord } from '../helpers/records.js';

const TOKEN = 'admin-token-0123456789';
const SCOPED = {
  reader: 'reader-token-0123456789',
  writer: 'writer-token-0123456789',
  labeller: 'labeller-token-0123456789',
} as const;
const dir = mkdtempSync(join(tmpdir(), 'mw-pred-api-'));
let c: RunningCollector;
let uniq = 0;
const newModel = () => `pm-${uniq++}`;
const api = (path: string) => `${c.url}/api/v1${path}`;
/** Records made just now, so retention (1d here) keeps them. */
const fresh = (model: string, i: number, extra = {}) =>
  createRecord(model, 0, { id: newPredictionId(Date.now() - 1000 + i), time: new Date(Date.now() - 1000 + i).toISOString(), ...extra });

async function ship(model: string, records: unknown[]) {
  return call(api(`/models/${model}/predictions`), { body: { records }, token: TOKEN });
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : undefined;
}

beforeAll(async () => {
  c = await startCollector({
    port: 0,
    db: join(dir, 'pred.db'),
    tokens: [
      { name: 'admin', token: TOKEN, scopes: ['admin'] },
      ...Object.entries(SCOPED).map(([scope, token]) => ({ name: scope, token, scopes: [scope as 'reader'] })),
    ],
    evaluateEvery: '1h',
    predictionRetention: '1d',
  });
});
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('prediction records', () => {
  it('stores shipped records once and counts a retried batch as duplicates', async () => {
    const m = newModel();
    const records = [fresh(m, 0), fresh(m, 1)];
    expect((await ship(m, records)).body).toEqual({ accepted: 2, duplicate: 0 });
    const again = await ship(m, records);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ accepted: 0, duplicate: 2 });
    expect(await metricValue('modelwatch_prediction_records_total', { model: m, outcome: 'duplicate' })).toBe(2);
    const got = await call(api(`/models/${m}/predictions/${records[0].id}`), { token: TOKEN });
    expect(got.status).toBe(200);
    expect(got.body.prediction).toBe(records[0].prediction);
  });

  it('works for a model without a baseline', async () => {
    const m = newModel();
    expect((await ship(m, [fresh(m, 0)])).status).toBe(202);
  });

  it('refuses an invalid record with a coded 400 that names the field', async () => {
    const m = newModel();
    const res = await ship(m, [fresh(m, 0), { ...fresh(m, 1), confidence: 3 }]);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MW_ERR_PREDICTIONS_INVALID');
    expect(res.body.error).toContain('records[1].confidence');
    expect(await metricValue('modelwatch_prediction_records_total', { model: m, outcome: 'rejected' })).toBe(1);
  });

  it('refuses a record posted under another model', async () => {
    const res = await ship('a-model', [fresh('b-model', 0)]);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('does not match');
  });

  it('lets each scope do exactly its part, route by route', async () => {
    const m = newModel();
    const r = fresh(m, 0, { subject: 'k' });
    const routes: Record<string, (token?: string) => Promise<number>> = {
      ship: async (token) => (await call(api(`/models/${m}/predictions`), { body: { records: [r] }, token })).status,
      feedback: async (token) => (await call(api(`/models/${m}/feedback`), { body: { items: [{ predictionId: r.id, event: 'redo' }] }, token })).status,
      readOne: async (token) => (await call(api(`/models/${m}/predictions/${r.id}`), { token })).status,
      list: async (token) => (await call(api(`/models/${m}/predictions`), { token })).status,
      erase: async (token) => (await call(api(`/models/${m}/predictions?subject=nobody`), { method: 'DELETE', token })).status,
    };
    const allowed: Record<string, string[]> = {
      none: [],
      reader: ['readOne', 'list'],
      writer: ['ship'],
      labeller: ['feedback'],
      admin: ['ship', 'feedback', 'readOne', 'list', 'erase'],
    };
    const tokens: Record<string, string | undefined> = { none: undefined, ...SCOPED, admin: TOKEN };
    await routes.ship(TOKEN);
    for (const [who, token] of Object.entries(tokens)) {
      for (const [route, run] of Object.entries(routes)) {
        const status = await run(token);
        const expected = allowed[who].includes(route) ? 'allowed' : who === 'none' ? 401 : 403;
        expect([who, route, expected === 'allowed' ? status < 400 : status]).toEqual([who, route, expected === 'allowed' ? true : expected]);
      }
    }
  });

  it('keeps stored payloads closed with a lone admin token while plain reads stay open', async () => {
    const solo = await startCollector({ port: 0, db: ':memory:', token: TOKEN, evaluateEvery: '1h' });
    try {
      expect((await call(`${solo.url}/api/v1/models`)).status).toBe(200);
      const read = await call(`${solo.url}/api/v1/models/m/predictions`);
      expect(read.status).toBe(401);
      expect(read.body.code).toBe('MW_ERR_AUTH_MISSING_TOKEN');
      expect((await call(`${solo.url}/api/v1/models/m/predictions`, { token: TOKEN })).status).toBe(200);
    } finally {
      await solo.close();
    }
  });

  it('lists records in pages with a next cursor', async () => {
    const m = newModel();
    const records = [0, 1, 2].map((i) => fresh(m, i));
    await ship(m, records);
    const p1 = await call(api(`/models/${m}/predictions?limit=2`), { token: TOKEN });
    expect(p1.body.records.map((r: { id: string }) => r.id)).toEqual([records[0].id, records[1].id]);
    const p2 = await call(api(`/models/${m}/predictions?limit=2&after=${encodeURIComponent(p1.body.next)}`), { token: TOKEN });
    expect(p2.body.records.map((r: { id: string }) => r.id)).toEqual([records[2].id]);
    expect(p2.body.next).toBeNull();
    const bad = await call(api(`/models/${m}/predictions?limit=0`), { token: TOKEN });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('MW_ERR_PREDICTIONS_QUERY');
  });

  it('answers 404 with a code for an unknown prediction id', async () => {
    const res = await call(api(`/models/${newModel()}/predictions/nope-1`), { token: TOKEN });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('MW_ERR_PREDICTIONS_UNKNOWN');
  });

  it('erases the records of a subject and counts the deletion', async () => {
    const m = newModel();
    const [a, b] = [fresh(m, 0, { subject: 'k1' }), fresh(m, 1, { subject: 'k2' })];
    await ship(m, [a, b]);
    const res = await call(api(`/models/${m}/predictions?subject=k1`), { method: 'DELETE', token: TOKEN });
    expect(res.body).toEqual({ model: m, subject: 'k1', deleted: 1 });
    expect((await call(api(`/models/${m}/predictions/${a.id}`), { token: TOKEN })).status).toBe(404);
    expect((await call(api(`/models/${m}/predictions/${b.id}`), { token: TOKEN })).status).toBe(200);
    expect((await call(api(`/models/${m}/predictions`), { method: 'DELETE', token: TOKEN })).status).toBe(400);
  });
});

describe('feedback', () => {
  it('joins labels and events and answers every outcome by reason', async () => {
    const m = newModel();
    const [a, b] = [fresh(m, 0), fresh(m, 1)];
    await ship(m, [a, b]);
    const old = newPredictionId(Date.now() - 3 * 86_400_000);
    const res = await call(api(`/models/${m}/feedback`), {
      token: TOKEN,
      body: {
        items: [
          { predictionId: a.id, label: 'rain' },
          { predictionId: a.id, label: 'sun' },
          { predictionId: b.id, event: 'redo' },
          { predictionId: b.id, event: 'teleport' },
          { predictionId: 'not-yet-shipped', label: 'x' },
          { predictionId: 'never-seen', event: 'redo' },
          { predictionId: old, label: 'x' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.received).toBe(7);
    expect(res.body.outcomes).toEqual({ accepted: 2, duplicate: 1, unknown_event: 1, pending: 1, unknown_id: 1, late: 1 });
    expect(res.body.notAccepted).toEqual([
      { predictionId: a.id, outcome: 'duplicate' },
      { predictionId: b.id, outcome: 'unknown_event' },
      { predictionId: 'not-yet-shipped', outcome: 'pending' },
      { predictionId: 'never-seen', outcome: 'unknown_id' },
      { predictionId: old, outcome: 'late' },
    ]);
    expect(await metricValue('modelwatch_feedback_total', { model: m, kind: 'label', outcome: 'pending' })).toBe(1);
    expect(await metricValue('modelwatch_feedback_total', { model: m, kind: 'label', outcome: 'late' })).toBe(1);
    expect(await metricValue('modelwatch_feedback_total', { model: m, kind: 'event', outcome: 'unknown_event' })).toBe(1);
    expect(await metricValue('modelwatch_feedback_total', { model: m, kind: 'label', outcome: 'accepted' })).toBe(1);
    const got = await call(api(`/models/${m}/predictions/${a.id}`), { token: TOKEN });
    expect(got.body.label).toBe('rain');
  });

  it('refuses a malformed feedback item with a coded 400', async () => {
    const res = await call(api(`/models/${newModel()}/feedback`), { token: TOKEN, body: { items: [{ predictionId: 'x1' }] } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MW_ERR_FEEDBACK_INVALID');
    expect(res.body.error).toContain('items[0]');
    const notJson = await call(api(`/models/${newModel()}/feedback`), { token: TOKEN, body: '{', type: 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('MW_ERR_REQUEST_MALFORMED_JSON');
  });
});

describe('labels that arrive before their record', () => {
  let held: RunningCollector;
  const heldApi = (path: string) => `${held.url}/api/v1${path}`;
  const heldMetric = async (name: string, labels: Record<string, string>) => {
    const text = await (await fetch(`${held.url}/metrics`)).text();
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
    return line ? Number(line.split(' ').at(-1)) : undefined;
  };
  const label = (m: string, items: unknown[]) => call(heldApi(`/models/${m}/feedback`), { token: TOKEN, body: { items } });

  beforeAll(async () => {
    held = await startCollector({
      port: 0,
      db: join(dir, 'held.db'),
      token: TOKEN,
      evaluateEvery: '1h',
      predictionRetention: '1d',
      pendingLabels: { max: 2, grace: '2s' },
    });
  });
  afterAll(async () => {
    await held?.close();
  });

  it('answers pending, joins the label when the record arrives, and counts it', async () => {
    const m = newModel();
    const r = fresh(m, 0, { prediction: 'sun' });
    const res = await label(m, [{ predictionId: r.id, label: 'sun' }]);
    expect(res.body.outcomes).toEqual({ pending: 1 });
    expect(res.body.notAccepted).toEqual([{ predictionId: r.id, outcome: 'pending' }]);
    expect((await call(heldApi(`/models/${m}/predictions`), { body: { records: [r] }, token: TOKEN })).body).toEqual({ accepted: 1, duplicate: 0 });
    expect(await heldMetric('modelwatch_feedback_pending_labels_total', { model: m, outcome: 'joined' })).toBe(1);
    const got = await call(heldApi(`/models/${m}/predictions/${r.id}`), { token: TOKEN });
    expect(got.body.label).toBe('sun');
    const labelled = await call(heldApi(`/models/${m}/predictions?labelled=true`), { token: TOKEN });
    expect(labelled.body.records.map((x: { id: string }) => x.id)).toEqual([r.id]);
  });

  it('holds at most the configured number per model and counts the labels it drops', async () => {
    const m = newModel();
    const res = await label(m, [0, 1, 2].map((i) => ({ predictionId: `late-record-${i}`, label: 'sun' })));
    expect(res.body.outcomes).toEqual({ pending: 2, unknown_id: 1 });
    expect(await heldMetric('modelwatch_feedback_pending_labels_total', { model: m, outcome: 'dropped' })).toBe(1);
  });

  it('expires a held label whose record does not arrive within the grace period and counts it', async () => {
    const m = newModel();
    const r = fresh(m, 0);
    expect((await label(m, [{ predictionId: r.id, label: 'sun' }])).body.outcomes).toEqual({ pending: 1 });
    const deadline = Date.now() + 10_000;
    while ((await heldMetric('modelwatch_feedback_pending_labels_total', { model: m, outcome: 'expired' })) !== 1) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await call(heldApi(`/models/${m}/predictions`), { body: { records: [r] }, token: TOKEN });
    expect((await call(heldApi(`/models/${m}/predictions/${r.id}`), { token: TOKEN })).body.label).toBeUndefined();
    expect(await heldMetric('modelwatch_feedback_pending_labels_total', { model: m, outcome: 'joined' })).toBe(0);
  });

  it('writes the held-label outcomes at 0 with the first label batch, so the first loss is an increase', async () => {
    const m = newModel();
    expect(await heldMetric('modelwatch_feedback_pending_labels_total', { model: m, outcome: 'expired' })).toBeUndefined();
    expect((await label(m, [{ predictionId: 'no-record-yet', label: 'sun' }])).body.outcomes).toEqual({ pending: 1 });
    expect(await heldMetric('modelwatch_feedback_pending_labels_total', { model: m, outcome: 'joined' })).toBe(0);
    expect(await heldMetric('modelwatch_feedback_pending_labels_total', { model: m, outcome: 'dropped' })).toBe(0);
    // 0, or already 1 on a machine slow enough to pass the 2 s grace period: the series exists either way.
    expect([0, 1]).toContain(await heldMetric('modelwatch_feedback_pending_labels_total', { model: m, outcome: 'expired' }));
  });
});

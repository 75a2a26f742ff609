import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPredictionId, type PredictionRecord } from '@modelwatch/core';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { call } from '../helpers/http.js';
import { createRecord } from '../helpers/records.js';

const TOKEN = 'review-token';
const dir = mkdtempSync(join(tmpdir(), 'mw-review-api-'));
let c: RunningCollector;
let small: RunningCollector;
let uniq = 0;
const newModel = () => `rv-${uniq++}`;
const api = (base: RunningCollector, path: string) => `${base.url}/api/v1${path}`;
/** A record made just now (retention keeps it), `i` ms apart so ids sort in order. */
const fresh = (model: string, i: number, extra: Partial<PredictionRecord> = {}) =>
  createRecord(model, 0, { id: newPredictionId(Date.now() - 1000 + i), time: new Date(Date.now() - 1000 + i).toISOString(), ...extra });

async function submit(model: string, records: PredictionRecord[], base = c, reason = 'confidence') {
  return call(api(base, `/models/${model}/review`), { body: { items: records.map((record) => ({ reason, record })) }, token: TOKEN });
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : undefined;
}

beforeAll(async () => {
  c = await startCollector({ port: 0, db: join(dir, 'review.db'), token: TOKEN, evaluateEvery: '1h', predictionRetention: '1d', review: { claimTtl: '1m' } });
  small = await startCollector({
    port: 0,
    db: join(dir, 'small.db'),
    token: TOKEN,
    evaluateEvery: '1h',
    predictionRetention: '1d',
    review: { maxPending: 2, overflow: 'refuse-new' },
  });
});
afterAll(async () => {
  await Promise.all([c?.close(), small?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('review queue API', () => {
  it('queues marked answers, lists them oldest first in pages, and stores their records', async () => {
    const m = newModel();
    const records = [0, 1, 2].map((i) => fresh(m, i, { inputs: { temp: i } }));
    const res = await submit(m, records);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ model: m, queued: 3, duplicate: 0, refused: 0, dropped: 0 });
    expect((await submit(m, [records[0]])).body).toMatchObject({ queued: 0, duplicate: 1 });
    const page1 = await call(api(c, `/review?model=${m}&state=pending&limit=2`), { token: TOKEN });
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((i: { predictionId: string }) => i.predictionId)).toEqual([records[0].id, records[1].id]);
    expect(page1.body.items[0].record.inputs).toEqual({ temp: 0 });
    const page2 = await call(api(c, `/review?model=${m}&state=pending&limit=2&after=${encodeURIComponent(page1.body.next)}`), { token: TOKEN });
    expect(page2.body.items.map((i: { predictionId: string }) => i.predictionId)).toEqual([records[2].id]);
    expect(page2.body.next).toBeNull();
    expect((await call(api(c, `/models/${m}/predictions/${records[1].id}`), { token: TOKEN })).status).toBe(200);
    expect(await metricValue('modelwatch_review_items_total', { model: m, reason: 'confidence', outcome: 'queued' })).toBe(3);
    expect(await metricValue('modelwatch_review_items_total', { model: m, reason: 'confidence', outcome: 'duplicate' })).toBe(1);
    expect(await metricValue('modelwatch_review_queue_depth', { model: m })).toBe(3);
  });

  it('turns a decision into the prediction label and counts agreement by confidence band', async () => {
    const m = newModel();
    const [a, b] = [fresh(m, 0, { prediction: 'sun', confidence: 0.55 }), fresh(m, 1, { prediction: 'rain', confidence: 0.92 })];
    await submit(m, [a, b]);
    const disagree = await call(api(c, `/review/${a.id}`), { body: { model: m, reviewer: 'ann', label: 'rain' }, token: TOKEN });
    expect(disagree.status).toBe(200);
    expect(disagree.body).toMatchObject({ label: 'accepted', item: { decidedBy: 'ann', decisionLabel: 'rain' } });
    await call(api(c, `/review/${b.id}`), { body: { model: m, reviewer: 'bob', label: 'rain' }, token: TOKEN });
    const stored = await call(api(c, `/models/${m}/predictions/${a.id}`), { token: TOKEN });
    expect(stored.body.label).toBe('rain');
    expect(await metricValue('modelwatch_review_decisions_total', { model: m, band: '0.5-0.6', outcome: 'disagree' })).toBe(1);
    expect(await metricValue('modelwatch_review_decisions_total', { model: m, band: '0.9-0.95', outcome: 'agree' })).toBe(1);
    expect(await metricValue('modelwatch_review_decisions_total', { model: m, band: '0.9-0.95', outcome: 'disagree' })).toBe(0);
    expect(await metricValue('modelwatch_review_active_reviewers', { model: m })).toBe(2);
    expect(await metricValue('modelwatch_review_queue_depth', { model: m })).toBe(0);
    const decided = await call(api(c, `/review?model=${m}&state=decided`), { token: TOKEN });
    expect(decided.body.items.map((i: { predictionId: string }) => i.predictionId)).toEqual([a.id, b.id]);
    const again = await call(api(c, `/review/${a.id}`), { body: { model: m, reviewer: 'ann', label: 'sun' }, token: TOKEN });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('MW_ERR_REVIEW_DECIDED');
  });

  it('refuses a decision while another reviewer holds the claim, and hands the next free item out', async () => {
    const m = newModel();
    const [a, b] = [fresh(m, 0), fresh(m, 1)];
    await submit(m, [a, b]);
    const claimed = await call(api(c, `/review/${a.id}/claim`), { body: { model: m, reviewer: 'ann' }, token: TOKEN });
    expect(claimed.status).toBe(200);
    expect(claimed.body.item.claimedBy).toBe('ann');
    const taken = await call(api(c, `/review/${a.id}`), { body: { model: m, reviewer: 'bob', label: 'sun' }, token: TOKEN });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('MW_ERR_REVIEW_CLAIMED');
    const next = await call(api(c, '/review/claims'), { body: { model: m, reviewer: 'bob' }, token: TOKEN });
    expect(next.body.item.predictionId).toBe(b.id);
    expect(next.body.item.record.id).toBe(b.id);
    const none = await call(api(c, '/review/claims'), { body: { model: m, reviewer: 'cid' }, token: TOKEN });
    expect(none.status).toBe(204);
  });

  it('answers bad input with coded 4xx errors', async () => {
    const m = newModel();
    const r = fresh(m, 0);
    await submit(m, [r]);
    const cases: [string, unknown, number, string][] = [
      [`/review/${r.id}`, { model: m, reviewer: 'ann' }, 400, 'MW_ERR_REVIEW_INVALID_DECISION'],
      [`/review/${r.id}`, { model: m, reviewer: 'ann', label: 'x', value: 1 }, 400, 'MW_ERR_REVIEW_INVALID_DECISION'],
      [`/review/${r.id}`, { model: m, reviewer: 'a b', label: 'x' }, 400, 'MW_ERR_REVIEW_INVALID_DECISION'],
      [`/review/${r.id}`, { model: '../x', reviewer: 'ann', label: 'x' }, 400, 'MW_ERR_REVIEW_QUERY'],
      [`/review/${newPredictionId()}`, { model: m, reviewer: 'ann', label: 'x' }, 404, 'MW_ERR_REVIEW_UNKNOWN_ITEM'],
      [`/models/${m}/review`, { items: [{ reason: 'whim', record: fresh(m, 1) }] }, 400, 'MW_ERR_REVIEW_INVALID_ITEMS'],
      [`/models/${m}/review`, { items: [{ reason: 'confidence', record: { ...fresh(m, 1), confidence: 7 } }] }, 400, 'MW_ERR_REVIEW_INVALID_ITEMS'],
      [`/models/${m}/review`, { items: [] }, 400, 'MW_ERR_REVIEW_INVALID_ITEMS'],
    ];
    for (const [path, body, status, code] of cases) {
      const res = await call(api(c, path), { body, token: TOKEN });
      expect([path, res.status, res.body.code]).toEqual([path, status, code]);
    }
    expect((await call(api(c, `/review?model=${m}&state=lost`), { token: TOKEN })).body.code).toBe('MW_ERR_REVIEW_QUERY');
    expect((await call(api(c, `/review?model=${m}&limit=0`), { token: TOKEN })).status).toBe(400);
    expect((await call(api(c, `/review?model=${m}`))).status).toBe(401);
    expect((await call(api(c, `/review/${r.id}`), { body: { model: m, reviewer: 'ann', label: 'x' } })).status).toBe(401);
  });

  it('refuses new items with 503 when the queue is full and configured to refuse', async () => {
    const m = newModel();
    expect((await submit(m, [fresh(m, 0), fresh(m, 1), fresh(m, 2)], small)).body).toMatchObject({ queued: 2, refused: 1 });
    const full = await submit(m, [fresh(m, 3)], small);
    expect(full.status).toBe(503);
    expect(full.body.code).toBe('MW_ERR_REVIEW_QUEUE_FULL');
    expect(full.headers.get('retry-after')).toBe('60');
  });

  it('serves the reviewer page and its script', async () => {
    const page = await fetch(`${c.url}/review`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script src="/review/app.js">');
    const script = await fetch(`${c.url}/review/app.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { newPredictionId } from '@modelwatch/core';
import { startCollector } from '@modelwatch/collector';
import { startSidecar } from '@modelwatch/sidecar';
import { post, sample, until } from '../runtime/fixtures/http.js';
import { inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';

/**
 * Shadow automation on real processes: a real ONNX sidecar at `--automation shadow` answers every
 * call 202 with a prediction id, runs the model off the path, records the answer and queues it for
 * a person in a real collector (SQLite file); the reviewers' decisions become the labels and the
 * human-vs-model agreement by confidence band (the course notes' shadow-mode comparison).
 */
const TOKEN = 'shadow-e2e-token';
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('shadow automation', () => {
  it('queues every answer given off the path for a person, and the decisions measure human-vs-model agreement', async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    const collector = await startCollector({ port: 0, db: `${tmp.dir}/c.db`, token: TOKEN, evaluateEvery: '1h' });
    cleanups.push(() => collector.close());
    // No review rule: shadow alone sends every answer to the queue.
    const sc = await startSidecar(
      {
        model: writeClassifier(tmp.dir),
        name: 'credit',
        port: 0,
        automation: 'shadow',
        collector: collector.url,
        collectorToken: TOKEN,
        predictions: { bufferDir: `${tmp.dir}/records`, flushIntervalMs: 50 },
      },
      { log: () => {} },
    );
    cleanups.push(() => sc.close());

    // p(yes) = sigmoid(income - age): yes 0.622, yes 0.993, no 0.993, no 0.622.
    const rows = [[20, 20.5, 0.3], [20, 25, 0.3], [25, 20, 0.3], [20, 19.5, 0.3]];
    const own = newPredictionId();
    const answers = [];
    for (const [i, row] of rows.entries()) {
      answers.push(await post(`${sc.url}/v2/models/credit/infer`, inferBody([row]), i === 3 ? { 'x-modelwatch-prediction-id': own } : {}));
    }
    const ids = answers.map((a) => a.headers.get('x-modelwatch-prediction-id')!);
    for (const [i, a] of answers.entries()) {
      expect(a.status).toBe(202);
      // The caller never sees the model's answer, only the id its case is decided under.
      expect(a.json).toEqual({ status: 'accepted', automation: 'shadow', model: 'credit', predictionId: ids[i] });
      expect(a.headers.get('x-modelwatch-review')).toBeNull();
    }
    expect(new Set(ids).size).toBe(4);
    expect(ids[3]).toBe(own);

    const api = async (path: string, body?: unknown) => {
      const res = await fetch(`${collector.url}/api/v1${path}`, {
        ...(body ? { method: 'POST', body: JSON.stringify(body) } : {}),
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    await until(async () => (await api('/review?model=credit&state=pending')).json.items.length === 4);
    // In request order (the queue is oldest first, and the client's own id is older than the answers).
    const listed = (await api('/review?model=credit&state=pending')).json.items;
    const queued = ids.map((id) => listed.find((i: any) => i.predictionId === id));
    expect(queued.map((i: any) => [i.predictionId, i.reason, i.prediction])).toEqual([
      [ids[0], 'shadow_mode', 'yes'],
      [ids[1], 'shadow_mode', 'yes'],
      [ids[2], 'shadow_mode', 'no'],
      [ids[3], 'shadow_mode', 'no'],
    ]);
    expect(queued.map((i: any) => Number(i.confidence.toFixed(3)))).toEqual([0.622, 0.993, 0.993, 0.622]);
    expect(queued[0].record.inputs).toMatchObject({ age: 20, income: 20.5 });
    // Every answer is in the prediction log too, under the id the caller got.
    await until(async () => (await Promise.all(ids.map((id) => api(`/models/credit/predictions/${id}`)))).every((r) => r.status === 200));
    for (const [i, id] of ids.entries()) expect((await api(`/models/credit/predictions/${id}`)).json).toMatchObject({ id, prediction: ['yes', 'yes', 'no', 'no'][i] });
    const scMetrics = await (await fetch(`${sc.url}/metrics`)).text();
    expect(sample(scMetrics, 'modelwatch_review_marked_total')).toBe(4);
    expect(sample(scMetrics, 'modelwatch_predictions_total', { variant: 'primary' })).toBe(4);

    // A person decides every case: disagrees with the first (unsure "yes" is really "no"), agrees with the rest.
    const decisions = ['no', 'yes', 'no', 'no'];
    for (const [i, label] of decisions.entries()) {
      const d = await api(`/review/${ids[i]}`, { model: 'credit', reviewer: 'ann', label });
      expect(d.status).toBe(200);
    }
    for (const [i, label] of decisions.entries()) expect((await api(`/models/credit/predictions/${ids[i]}`)).json.label).toBe(label);
    expect((await api('/review?model=credit&state=pending')).json.items).toEqual([]);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    const decided = (band: string, outcome: string) => sample(metrics, 'modelwatch_review_decisions_total', { model: 'credit', band, outcome });
    expect([decided('0.6-0.7', 'agree'), decided('0.6-0.7', 'disagree')]).toEqual([1, 1]);
    expect([decided('0.95-1', 'agree'), decided('0.95-1', 'disagree')]).toEqual([2, 0]);
    expect(sample(metrics, 'modelwatch_review_items_total', { model: 'credit', reason: 'shadow_mode', outcome: 'queued' })).toBe(4);
  });

  it('answers 202 with ids while the collector is down, keeping the answers for review on disk', async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    // A collector that was there and is gone: its port refuses connections.
    const gone = await startCollector({ port: 0, db: `${tmp.dir}/gone.db`, token: TOKEN, evaluateEvery: '1h' });
    const url = gone.url;
    await gone.close();
    const sc = await startSidecar(
      { model: writeClassifier(tmp.dir), name: 'credit', port: 0, automation: 'shadow', collector: url, collectorToken: TOKEN, predictions: { bufferDir: `${tmp.dir}/records`, flushIntervalMs: 50 } },
      { log: () => {} },
    );
    cleanups.push(() => sc.close());
    for (let i = 0; i < 3; i++) {
      const a = await post(`${sc.url}/v2/models/credit/infer`, inferBody([[20, 20.5, 0.3]]));
      expect(a.status).toBe(202);
      expect(a.json.predictionId).toBe(a.headers.get('x-modelwatch-prediction-id'));
    }
    await until(async () => sample(await (await fetch(`${sc.url}/metrics`)).text(), 'modelwatch_review_records_total', { outcome: 'buffered' }) === 3);
    expect(sample(await (await fetch(`${sc.url}/metrics`)).text(), 'modelwatch_review_records_total', { outcome: 'sent' })).toBe(0);
  });

  it('is refused at startup without a review queue to send the answers to', async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    await expect(startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0, automation: 'shadow' }, { log: () => {} }))
      .rejects.toMatchObject({ code: 'MW_ERR_CONFIG_NOT_ALLOWED', message: expect.stringMatching(/automation.*review queue.*predictions\.bufferDir and collector/s) });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { startCollector } from '@modelwatch/collector';
import { startSidecar } from '@modelwatch/sidecar';
import { post, sample, until } from '../runtime/fixtures/http.js';
import { inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';
import { startWireRelay } from './wire-relay.js';

/**
 * The prediction log end to end: a real ONNX sidecar records its answers and ships them through a
 * relay (the wire) to a real collector with a SQLite file store.
 */
const TOKEN = 'log-token';
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(predictions: Record<string, unknown>) {
  const tmp = tempDir();
  cleanups.push(() => tmp.cleanup());
  const collector = await startCollector({ port: 0, db: `${tmp.dir}/c.db`, token: TOKEN, evaluateEvery: '1h' });
  cleanups.push(() => collector.close());
  const relay = await startWireRelay(collector.url);
  cleanups.push(() => relay.close());
  const sc = await startSidecar(
    {
      model: writeClassifier(tmp.dir),
      name: 'credit',
      port: 0,
      collector: relay.url,
      collectorToken: TOKEN,
      predictions: { bufferDir: `${tmp.dir}/records`, flushIntervalMs: 50, ...predictions },
    },
    { log: () => {} },
  );
  cleanups.push(() => sc.close());
  const infer = (rows: number[][], extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    post(`${sc.url}/v2/models/credit/infer`, inferBody(rows, extra), headers);
  const stored = async (id: string) => {
    const res = await fetch(`${collector.url}/api/v1/models/credit/predictions/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return res.status === 200 ? ((await res.json()) as Record<string, any>) : undefined;
  };
  const allStored = async () => {
    const res = await fetch(`${collector.url}/api/v1/models/credit/predictions?limit=10000&from=0`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return ((await res.json()) as { records: Record<string, any>[] }).records;
  };
  return { sc, collector, relay, infer, stored, allStored };
}

describe('prediction log', () => {
  it('stores each answer under the id the client saw, with its class and confidence, inputs off by default', async () => {
    const { infer, stored } = await setup({});
    const res = await infer([[1, 3, 0]]);
    const id = res.headers.get('x-modelwatch-prediction-id')!;
    expect(res.json.id).toBe(id);
    await until(async () => (await stored(id)) !== undefined);
    const rec = (await stored(id))!;
    expect(rec).toMatchObject({ id, model: 'credit', version: '1', variant: 'primary', prediction: 'yes', outputs: { probabilities: 'yes' } });
    expect(rec.confidence).toBeCloseTo(1 / (1 + Math.exp(-2)), 5);
    expect(rec.inputs).toBeUndefined();
  });

  it('never lets a dropped field leave the sidecar, and keys the subject for erasure', async () => {
    const secret = 'sixteen-chars-or-more-secret';
    const { infer, relay, allStored, collector } = await setup({
      sampleInputs: 1,
      privacy: { secret, fields: { age: 'drop', income: { bucket: [0, 5, 10] } }, subjectField: 'age' },
    });
    // 37.25 is the dropped value: it must appear nowhere on the wire or in the store.
    const answers = await Promise.all([infer([[37.25, 3, 0.5]]), infer([[51, 1, 0.5]])]);
    await until(async () => (await allStored()).length === 2);
    const wire = relay.bodies.filter((b) => b.path.endsWith('/predictions')).map((b) => b.body).join('\n');
    expect(wire).not.toContain('37.25');
    expect(wire).not.toContain('"age"');
    const records = await allStored();
    expect(JSON.stringify(records)).not.toContain('37.25');
    for (const r of records) expect(Object.keys(r.inputs).sort()).toEqual(['income', 'score']);
    expect(records.map((r) => r.inputs.income).sort()).toEqual(['[0,5)', '[0,5)']);
    const subject = records.find((r) => r.id === answers[0].headers.get('x-modelwatch-prediction-id'))!.subject;
    expect(subject).toMatch(/^[0-9a-f]{32}$/);
    const del = await fetch(`${collector.url}/api/v1/models/credit/predictions?subject=${subject}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await del.json()).toMatchObject({ deleted: 1 });
    expect((await allStored()).map((r) => r.id)).toEqual([answers[1].headers.get('x-modelwatch-prediction-id')]);
  });

  it('delivers every record exactly once after a collector outage', async () => {
    const { infer, relay, allStored, sc } = await setup({ batchSize: 5 });
    relay.setDown(true);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await infer([[i, 10 - i, 0]])).headers.get('x-modelwatch-prediction-id')!);
    // Attempts were made and refused: the records wait on disk.
    await until(() => relay.bodies.some((b) => b.path.endsWith('/predictions')));
    await until(async () => (sample(await (await fetch(`${sc.url}/metrics`)).text(), 'modelwatch_prediction_log_records_total', { outcome: 'buffered' }) ?? 0) === 12);
    expect(await allStored()).toEqual([]);
    relay.setDown(false);
    await until(async () => (await allStored()).length === 12);
    const metrics = await (await fetch(`${sc.url}/metrics`)).text();
    expect(sample(metrics, 'modelwatch_prediction_log_records_total', { outcome: 'sent' })).toBe(12);
    expect(sample(metrics, 'modelwatch_prediction_log_dropped_total', { reason: 'buffer_full' })).toBe(0);
    expect(sample(metrics, 'modelwatch_prediction_log_buffered_batches')).toBe(0);
    expect((await allStored()).map((r) => r.id).sort()).toEqual([...ids].sort());
  });

  it('records each row of a batch under its own row id', async () => {
    const { infer, allStored } = await setup({});
    const res = await infer([[1, 3, 0], [3, 1, 0]], { id: 'client-req-9' });
    expect(res.headers.get('x-modelwatch-prediction-id')).toBe('client-req-9');
    expect(res.json.id).toBe('client-req-9');
    await until(async () => (await allStored()).length === 2);
    const records = await allStored();
    expect(records.map((r) => [r.id, r.prediction]).sort()).toEqual([
      ['client-req-9:0', 'yes'],
      ['client-req-9:1', 'no'],
    ]);
  });
});

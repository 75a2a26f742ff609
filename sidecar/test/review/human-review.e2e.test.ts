import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '@modelwatch/collector';
import { startSidecar } from '@modelwatch/sidecar';
import { post, sample, until } from '../runtime/fixtures/http.js';
import { createBaseline, inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';
import { startUpstream } from '../runtime/fixtures/upstream.js';

/**
 * Humans in the loop on real processes: a real ONNX sidecar marks low-confidence and out-of-range
 * answers and ships them to a real collector (SQLite file); a reviewer clears the queue through
 * the collector's page in headless Chromium; the decisions become the predictions' labels.
 */
const TOKEN = 'review-e2e-token';
const artifacts = join(dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
const cleanups: (() => Promise<unknown> | void)[] = [];
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  mkdirSync(artifacts, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The credit baseline (age 18..70, income 0..100) with its class table, so the page has one button per class. */
const BASELINE = createBaseline({
  features: createBaseline().features.map((f) => (f.name === 'income' && f.type === 'numeric' ? { ...f, max: 100, bins: { edges: [0, 50, 100], counts: [0, 50, 50, 0] } } : f)),
  outputs: [
    { name: 'probabilities', output: 'probabilities', role: 'prediction', type: 'categorical', count: 100, missing: 0, categories: [{ value: 'no', count: 50 }, { value: 'yes', count: 50 }], otherCount: 0 },
  ],
});

async function setup() {
  const tmp = tempDir();
  cleanups.push(() => tmp.cleanup());
  const collector = await startCollector({ port: 0, db: `${tmp.dir}/c.db`, token: TOKEN, evaluateEvery: '1h' });
  cleanups.push(() => collector.close());
  const up = await fetch(`${collector.url}/api/v1/models/credit/baselines`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(BASELINE),
  });
  expect(up.status).toBe(201);
  const sc = await startSidecar(
    {
      model: writeClassifier(tmp.dir),
      name: 'credit',
      port: 0,
      collector: collector.url,
      collectorToken: TOKEN,
      predictions: { bufferDir: `${tmp.dir}/records`, flushIntervalMs: 50, privacy: { fields: { score: 'drop' } } },
      review: { below: 0.8, outOfRange: true },
    },
    { log: () => {} },
  );
  cleanups.push(() => sc.close());
  const infer = (rows: number[][]) => post(`${sc.url}/v2/models/credit/infer`, inferBody(rows));
  const api = async (path: string) => {
    const res = await fetch(`${collector.url}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return (await res.json()) as any;
  };
  return { sc, collector, infer, api };
}

describe('human review', () => {
  it('marks low-confidence and out-of-range answers, queues them, and a reviewer clears the queue in Chromium', async () => {
    const { sc, collector, infer, api } = await setup();
    // p(yes) = sigmoid(income - age): 0.62 is below 0.8; 0.99 is confident; age 80 is outside the training range 18..70.
    const unsure = await infer([[20, 20.5, 0.3]]);
    const confident = await infer([[20, 25, 0.3]]);
    await until(async () => sample(await (await fetch(`${sc.url}/metrics`)).text(), 'modelwatch_model_info') !== undefined);
    const outside = await infer([[80, 85, 0.3]]);
    expect(unsure.headers.get('x-modelwatch-review')).toBe('required');
    expect(unsure.json.parameters).toEqual({ modelwatch_review: 'required' });
    expect(confident.headers.get('x-modelwatch-review')).toBeNull();
    expect(confident.json.parameters).toBeUndefined();
    expect(outside.headers.get('x-modelwatch-review')).toBe('required');
    const ids = [unsure, outside].map((r) => r.headers.get('x-modelwatch-prediction-id')!);

    await until(async () => (await api('/review?model=credit')).items.length === 2);
    const queued = (await api('/review?model=credit')).items;
    expect(queued.map((i: any) => [i.predictionId, i.reason, i.prediction])).toEqual([
      [ids[0], 'confidence', 'yes'],
      [ids[1], 'out_of_range', 'yes'],
    ]);
    // The privacy rules hold for review records too: score was dropped before it left the sidecar.
    expect(queued[0].record.inputs).toEqual({ age: 20, income: 20.5 });
    const scMetrics = await (await fetch(`${sc.url}/metrics`)).text();
    expect(sample(scMetrics, 'modelwatch_review_marked_total')).toBe(2);

    const page = await browser.newPage({ viewport: { width: 1000, height: 640 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${collector.url}/review`);
    await page.fill('#model', 'credit');
    await page.fill('#reviewer', 'ann');
    await page.fill('#token', TOKEN);
    await page.click('#start');
    await page.waitForSelector('#item:not(.hidden)');
    expect(await page.textContent('#prediction')).toBe('yes');
    expect(await page.textContent('#confidence')).toBe('0.622');
    expect(await page.$$eval('#features tbody tr', (rows) => rows.map((r) => (r as HTMLElement).innerText.replace(/\s+/g, ' ').trim()))).toEqual(['age 20', 'income 20.5']);
    expect(await page.$$eval('#classes button', (bs) => bs.map((b) => (b as HTMLElement).dataset.label))).toEqual(['no', 'yes']);
    await page.screenshot({ path: join(artifacts, 'reviewer-page.png') });
    // Key 1 is the first class: the reviewer says "no" where the model said "yes".
    await page.keyboard.press('1');
    await page.waitForFunction(() => document.querySelector('#meta')?.textContent?.includes('sent for out of range'));
    expect(await page.textContent('#prediction')).toBe('yes');
    await page.click('#classes button[data-label="yes"]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('empty'));
    expect(pageErrors).toEqual([]);
    await page.close();

    expect((await api(`/models/credit/predictions/${ids[0]}`)).label).toBe('no');
    expect((await api(`/models/credit/predictions/${ids[1]}`)).label).toBe('yes');
    expect((await api('/review?model=credit')).items).toEqual([]);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(sample(metrics, 'modelwatch_review_decisions_total', { model: 'credit', band: '0.6-0.7', outcome: 'disagree' })).toBe(1);
    expect(sample(metrics, 'modelwatch_review_decisions_total', { model: 'credit', band: '0.95-1', outcome: 'agree' })).toBe(1);
    expect(sample(metrics, 'modelwatch_review_queue_depth', { model: 'credit' })).toBe(0);

    // The decisions are ground truth like any other label: realized performance counts them.
    await collector.evaluate();
    const perf = await api('/models/credit/performance');
    const primary = perf.reports[0].variants.find((v: any) => v.variant === 'primary');
    expect(primary.performance).toMatchObject({ task: 'classification', n: 2, accuracy: 0.5 });
  });

  it('in proxy mode holds a 2xx answer until it is checked, then marks header and OIP body and queues it', async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    const upstream = await startUpstream();
    cleanups.push(() => upstream.stop());
    const collector = await startCollector({ port: 0, db: `${tmp.dir}/c.db`, token: TOKEN, evaluateEvery: '1h' });
    cleanups.push(() => collector.close());
    // The fixture model server answers every row with probabilities [0.8, 0.2].
    const start = (below: number, dir: string) =>
      startSidecar(
        {
          upstream: upstream.url,
          name: 'm',
          port: 0,
          features: ['a', 'b', 'c'],
          collector: collector.url,
          collectorToken: TOKEN,
          predictions: { bufferDir: `${tmp.dir}/${dir}`, flushIntervalMs: 50 },
          review: { below },
        },
        { log: () => {} },
      );
    const strict = await start(0.85, 'strict');
    cleanups.push(() => strict.close());
    const lenient = await start(0.75, 'lenient');
    cleanups.push(() => lenient.close());

    const marked = await post(`${strict.url}/v2/models/m/infer`, inferBody([[1, 2, 3]]));
    expect(marked.status).toBe(200);
    expect(marked.headers.get('x-modelwatch-review')).toBe('required');
    expect(marked.json.parameters).toEqual({ modelwatch_review: 'required' });
    // The answer is otherwise the model server's, with the prediction id it echoed.
    expect(marked.json.id).toBe(marked.headers.get('x-modelwatch-prediction-id'));
    expect(marked.json).toMatchObject({ model_name: 'm', outputs: [{ name: 'probabilities', shape: [1, 2] }] });
    const passed = await post(`${lenient.url}/v2/models/m/infer`, inferBody([[1, 2, 3]]));
    expect(passed.headers.get('x-modelwatch-review')).toBeNull();
    expect(passed.json.parameters).toBeUndefined();

    const id = marked.headers.get('x-modelwatch-prediction-id')!;
    const api = async (path: string) => (await (await fetch(`${collector.url}/api/v1${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
    await until(async () => (await api('/review?model=m')).items.length === 1);
    const [item] = (await api('/review?model=m')).items;
    expect(item).toMatchObject({ predictionId: id, reason: 'confidence', prediction: '0' });
    expect(item.confidence).toBeCloseTo(0.8, 6);
    expect(item.record.inputs).toEqual({ a: 1, b: 2, c: 3 });
  });
});

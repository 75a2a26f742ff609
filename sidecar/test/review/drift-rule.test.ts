import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PrivacyPolicy } from '../../src/predictions/privacy.js';
import { RecordShipper } from '../../src/predictions/record-shipper.js';
import type { InputBatch } from '../../src/protocols/types.js';
import { DriftWatch, driftedFeatures } from '../../src/review/drift-watch.js';
import { ReviewMarker } from '../../src/review/review-marker.js';
import { createBaseline, tempDir } from '../runtime/fixtures/model.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const row = (age: number): InputBatch => ({ rows: 1, columns: new Map([['age', [age]], ['income', [5]], ['score', [0.5]]]) });
const driftBody = (verdict: string) => ({
  model: 'credit',
  reports: [{ evaluatedAt: 'x', report: { window: '1h', features: [{ feature: 'age', kind: 'input', verdict }, { feature: 'income', kind: 'missing_rate', verdict: 'drift' }] } }],
});

async function marker() {
  const tmp = tempDir();
  cleanups.push(() => tmp.cleanup());
  const shipper = await RecordShipper.open({ collectorUrl: 'http://127.0.0.1:9', model: 'credit', bufferDir: tmp.dir, resource: 'review' });
  const m = new ReviewMarker({ outOfRange: false, driftedFeatures: true, maxPending: 100 }, { model: 'credit', version: '1', variant: 'primary', stage: 's', pipeline: 'p' }, new PrivacyPolicy(), undefined, shipper, 3_600_000);
  // age: training range 18..70, bins 18 | 30 | 50 | 70: the tails are below 30 and above 50.
  m.setBaseline(createBaseline());
  return m;
}

describe('drifted-feature review rule', () => {
  it('reads the drifted input features from a drift report', () => {
    expect([...driftedFeatures(driftBody('drift'))]).toEqual(['age']);
    expect(driftedFeatures(driftBody('no_drift')).size).toBe(0);
    expect(driftedFeatures({ error: 'x' }).size).toBe(0);
  });

  it('marks answers in a drifted feature\'s training tails, and only while it is drifted', async () => {
    const m = await marker();
    const ex = () => ({ traceHeaders: {} as Record<string, string> });
    expect(m.answered(ex(), 'a', row(25), undefined)).toBe(false);
    m.setDrifted(new Set(['age']));
    const tail = ex();
    expect(m.answered(tail, 'b', row(25), undefined)).toBe(true);
    expect(tail.traceHeaders['x-modelwatch-review']).toBe('required');
    expect(m.answered(ex(), 'c', row(40), undefined)).toBe(false);
    expect(m.drain().map((x) => [x.id, x.reasons])).toEqual([['b', ['drifted_feature']]]);
    m.setDrifted(new Set());
    expect(m.answered(ex(), 'd', row(25), undefined)).toBe(false);
  });

  it('polls the collector\'s drift reports (a real HTTP server) and keeps the last set when a poll fails', async () => {
    let verdict = 'drift';
    let fail = false;
    const server: Server = createServer((req, res) => {
      if (fail) return void res.writeHead(503).end();
      expect(req.headers.authorization).toBe('Bearer t');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(driftBody(verdict)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const seen: string[][] = [];
    const errors: string[] = [];
    const watch = new DriftWatch({
      collectorUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      model: 'credit',
      token: 't',
      onDrifted: (f) => seen.push([...f]),
      onError: (e) => errors.push(e),
    });
    await watch.poll();
    fail = true;
    await watch.poll();
    fail = false;
    verdict = 'no_drift';
    await watch.poll();
    expect(seen).toEqual([['age'], []]);
    expect(errors).toEqual(['review: drift poll answered HTTP 503']);
  });
});

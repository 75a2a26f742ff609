import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { tempDir, writeClassifier } from '../runtime/fixtures/model.js';
import { fuzz, hostileBody } from '../../../core/test/helpers/fuzz.js';

/** Hostile requests to a real embedded sidecar (onnxruntime): a 2xx or a 4xx JSON answer, never a 5xx. */
const tmp = tempDir();
let sc: RunningSidecar;
const logged: string[] = [];
beforeAll(async () => {
  sc = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0 }, { log: (l) => logged.push(l), defaultMetrics: false });
});
afterAll(async () => {
  await sc.close();
  tmp.cleanup();
});

const VALID = { id: 'x', inputs: [{ name: 'input', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }], outputs: [{ name: 'probabilities' }], parameters: {} };

describe('fuzz: embedded sidecar over HTTP', () => {
  it('answers every hostile infer call with a 2xx or a 4xx JSON body carrying a catalogue code', async () => {
    const paths = fc.constantFrom('/v2/models/credit/infer', '/v2/models/credit/versions/1/infer', '/v2/models/%/infer', '/v2/models/credit', '/v2/health/ready', '/nope');
    await fuzz('embedded infer', fc.tuple(paths, hostileBody(VALID)), async ([path, body]) => {
      const res = await fetch(`${sc.url}${path}`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/json' } });
      const text = await res.text();
      expect(res.status, text).toBeLessThan(500);
      if (res.status >= 400) expect((JSON.parse(text) as { code: string }).code).toMatch(/^MW_ERR_/);
    }, 150);
    expect(logged.filter((l) => l.includes('internal error'))).toEqual([]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProtocolCodec, type CodecConfig } from '../../src/protocols/registry.js';
import { parseOipRequest } from '../../src/protocols/oip.js';
import { SidecarTelemetry } from '../../src/metrics/telemetry.js';
import { fuzz, hostileBody } from '../../../core/test/helpers/fuzz.js';

/**
 * Hostile bodies to every protocol codec: the answer is a batch, a 4xx "invalid" with a counted
 * reason, or "unmonitorable" (passed through) — never a throw. A parsed batch must then be
 * observable by the telemetry without a failure (it never throws, but it counts failures).
 */
const OIP_REQUEST = { id: 'r1', inputs: [{ name: 'input', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }, { name: 'text', shape: [2], datatype: 'BYTES', data: ['a', 'b'] }], outputs: [{ name: 'probabilities' }] };
const OIP_RESPONSE = { model_name: 'm', outputs: [{ name: 'probabilities', shape: [2, 2], datatype: 'FP32', data: [0.1, 0.9, 0.8, 0.2] }, { name: 'label', shape: [2], datatype: 'BYTES', data: ['a', 'b'] }] };
const TF_REQUEST = { signature_name: 'serving_default', instances: [{ a: 1, b: 'x' }, { a: 2, b: 'y' }] };
const TF_COLUMNAR = { inputs: { a: [1, 2], b: ['x', 'y'] } };
const TF_RESPONSE = { predictions: [[0.1, 0.9], [0.3, 0.7]] };
const MLFLOW_REQUEST = { dataframe_split: { columns: ['a', 'b'], data: [[1, 'x'], [2, 'y']] } };
const MLFLOW_RECORDS = { dataframe_records: [{ a: 1, b: 'x' }], inputs: undefined };
const MLFLOW_RESPONSE = { predictions: [0, 1] };
const JSON_REQUEST = { data: [{ a: 1, b: 'x' }, { a: 2, b: 'y' }] };
const JSON_RESPONSE = { result: { scores: [0.2, 0.8] } };

const CASES: { name: string; config: CodecConfig; requests: unknown[]; responses: unknown[] }[] = [
  { name: 'oip', config: { protocol: 'oip', featureNames: ['age', 'income', 'score'] }, requests: [OIP_REQUEST], responses: [OIP_RESPONSE] },
  { name: 'tfserving', config: { protocol: 'tfserving', featureNames: ['a', 'b'] }, requests: [TF_REQUEST, TF_COLUMNAR], responses: [TF_RESPONSE] },
  { name: 'mlflow', config: { protocol: 'mlflow' }, requests: [MLFLOW_REQUEST, MLFLOW_RECORDS], responses: [MLFLOW_RESPONSE] },
  { name: 'json', config: { protocol: 'json', path: '/predict', inputs: '/data', outputs: '/result/scores' }, requests: [JSON_REQUEST], responses: [JSON_RESPONSE] },
];

function telemetry(): SidecarTelemetry {
  return new SidecarTelemetry({
    identity: { model: 'm', modelVersion: '1', pipeline: 'p', stage: 's', variant: 'primary' },
    mode: 'fuzz', upstreamStages: [], maxMonitoredFeatures: 20, lowConfidenceThreshold: 0.5, defaultMetrics: false,
  });
}

const contentTypes = fc.constantFrom(undefined, 'application/json', 'text/csv', 'application/octet-stream', 'text/csv; charset=utf-8');

describe('fuzz: protocol codecs', () => {
  for (const c of CASES) {
    it(`${c.name}: requests and responses parse, fail as 4xx, or pass through — never throw`, async () => {
      const codec = createProtocolCodec(c.config);
      const t = telemetry();
      const bodies = fc.oneof(...c.requests.map((r) => hostileBody(r)));
      await fuzz(`${c.name} request`, fc.tuple(bodies, contentTypes), ([body, type]) => {
        const parsed = codec.parseRequest(body, type ? { 'content-type': type } : {});
        if (parsed.ok) t.observeInputs(parsed.value);
        else if (parsed.kind === 'invalid') {
          expect(parsed.status).toBeGreaterThanOrEqual(400);
          expect(parsed.status).toBeLessThan(500);
          expect(parsed.message.length).toBeLessThan(2000);
        }
      }, 400);
      const responses = fc.oneof(...c.responses.map((r) => hostileBody(r)));
      await fuzz(`${c.name} response`, responses, (body) => {
        const parsed = codec.parseResponse(body, { 'content-type': 'application/json' });
        if (parsed.ok) t.observeOutputs(parsed.value);
      }, 300);
      expect(t.failures).toBe(0);
      await t.metrics();
    });
  }

  it('oip: paths of any shape match or not, never throw', async () => {
    const codec = createProtocolCodec({ protocol: 'oip' });
    const seg = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('v2', 'models', 'infer', 'versions', '%', '..', ''));
    await fuzz('oip routes', fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'CONNECT'), fc.array(seg, { maxLength: 7 })), ([method, parts]) => {
      codec.matchInference(method, `/${parts.join('/')}`);
    }, 400);
  });

  it('oip request parser keeps every tensor name unique in what it accepts', async () => {
    await fuzz('oip unique names', hostileBody(OIP_REQUEST), (body) => {
      const parsed = parseOipRequest(body);
      if (parsed.ok) {
        const names = parsed.value.inputs.map((i) => i.name);
        expect(new Set(names).size).toBe(names.length);
      }
    }, 300);
  });
});

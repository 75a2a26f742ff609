import { describe, expect, it } from 'vitest';
import { ErrorReason } from '@modelwatch/core';
import {
  createOipCodec,
  encodeOipResponse,
  matchOipInfer,
  parseOipRequest,
  parseOipResponse,
} from '../../src/protocols/oip.js';
import type { Parsed } from '../../src/protocols/types.js';

const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

/** A request shaped like the example in the KServe v2 / OIP REST documentation. */
function createRequest(overrides: Record<string, unknown> = {}) {
  return {
    id: '42',
    inputs: [
      { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
      { name: 'input1', shape: [3], datatype: 'BOOL', data: [true, false, true] },
    ],
    outputs: [{ name: 'output0' }],
    ...overrides,
  };
}

function failure<T>(p: Parsed<T>) {
  if (p.ok) throw new Error(`expected a failure, got ${JSON.stringify(p.value)}`);
  return p;
}

describe('parseOipRequest', () => {
  it('decodes the documentation example into typed tensors and keeps id, parameters and requested outputs', () => {
    const r = parseOipRequest(buf(createRequest({ parameters: { priority: 1 } })));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.id).toBe('42');
    expect(r.value.parameters).toEqual({ priority: 1 });
    expect(r.value.outputs).toEqual([{ name: 'output0' }]);
    const [a, b] = r.value.inputs;
    expect(a.data).toBeInstanceOf(Float64Array);
    expect(Array.from(a.data as Float64Array)).toEqual([1, 2, 3, 4]);
    expect(b.data).toEqual([true, false, true]);
  });

  it('accepts nested row-major data the same as flat data', () => {
    const flat = parseOipRequest(buf({ inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }] }));
    const nested = parseOipRequest(buf({ inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [[1, 2, 3], [4, 5, 6]] }] }));
    expect(flat.ok && nested.ok).toBe(true);
    if (flat.ok && nested.ok) expect(nested.value.inputs[0].data).toEqual(flat.value.inputs[0].data);
  });

  it('maps each numeric datatype to a typed array that holds its values exactly', () => {
    const cases: [string, unknown[], string][] = [
      ['FP32', [0.5], 'Float32Array'], ['FP16', [0.5], 'Float32Array'], ['FP64', [0.1], 'Float64Array'],
      ['INT8', [-128], 'Int32Array'], ['UINT16', [65535], 'Int32Array'], ['INT32', [-2147483648], 'Int32Array'],
      ['UINT32', [4294967295], 'Float64Array'], ['INT64', [-9007199254740991], 'Float64Array'],
      ['BYTES', ['hello'], 'Array'], ['BOOL', [false], 'Array'],
    ];
    for (const [datatype, data, ctor] of cases) {
      const r = parseOipRequest(buf({ inputs: [{ name: 'x', shape: [1], datatype, data }] }));
      expect(r.ok, datatype).toBe(true);
      if (!r.ok) continue;
      expect(r.value.inputs[0].data.constructor.name, datatype).toBe(ctor);
      expect(Array.from(r.value.inputs[0].data as ArrayLike<unknown>), datatype).toEqual(data);
    }
  });

  const bad: [string, string, string, string][] = [
    ['malformed JSON', '{"inputs": [', ErrorReason.malformedJson, 'request body is not valid JSON'],
    ['an empty body', '', ErrorReason.malformedJson, 'request body is empty; expected JSON'],
    ['a JSON array body', '[1,2]', ErrorReason.malformedJson, 'infer request must be a JSON object with an "inputs" array'],
    ['no inputs', '{}', ErrorReason.wrongShape, 'infer request must have a non-empty "inputs" array of tensors'],
    ['a shape/data mismatch', JSON.stringify({ inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }] }),
      ErrorReason.wrongShape, 'inputs[0].shape [2,4] needs 8 values, data has 6'],
    ['a nested mismatch', JSON.stringify({ inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [[1, 2], [3]] }] }),
      ErrorReason.wrongShape, 'inputs[0].shape [2,2] needs 4 values, data has 3'],
    ['an unknown datatype', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'FLOAT', data: [1] }] }),
      ErrorReason.wrongDatatype, 'inputs[0].datatype "FLOAT" is not a tensor datatype; expected one of BOOL, UINT8'],
    ['a negative dimension', JSON.stringify({ inputs: [{ name: 'x', shape: [-1, 4], datatype: 'FP32', data: [] }] }),
      ErrorReason.wrongShape, 'inputs[0].shape must contain non-negative integers, got [-1,4]'],
    ['a missing name', JSON.stringify({ inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] }),
      ErrorReason.wrongShape, 'inputs[0].name must be a non-empty string, got undefined'],
    ['a "NaN" string in FP32 data', JSON.stringify({ inputs: [{ name: 'x', shape: [2], datatype: 'FP32', data: [1, 'NaN'] }] }),
      ErrorReason.nonFinite, 'inputs[0].data[1] is "NaN"; FP32 values must be finite numbers'],
    ['"-Infinity" in FP64 data', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'FP64', data: ['-Infinity'] }] }),
      ErrorReason.nonFinite, 'inputs[0].data[0] is "-Infinity"; FP64 values must be finite numbers'],
    ['an overflowing exponent', '{"inputs":[{"name":"x","shape":[2],"datatype":"FP64","data":[1,1e999]}]}',
      ErrorReason.nonFinite, 'inputs[0].data[1] is not finite (overflowing number); FP64 values must be finite'],
    ['a value past FP32 range', '{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1e300]}]}',
      ErrorReason.nonFinite, 'inputs[0].data[0] is 1e+300, which overflows FP32'],
    ['a value past FP16 range', '{"inputs":[{"name":"x","shape":[1],"datatype":"FP16","data":[70000]}]}',
      ErrorReason.nonFinite, 'inputs[0].data[0] is 70000, which overflows FP16'],
    ['a string in numeric data', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'INT32', data: ['7'] }] }),
      ErrorReason.wrongDatatype, 'inputs[0].data[0] is "7"; INT32 expects numbers'],
    ['a fraction in INT8 data', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'INT8', data: [1.5] }] }),
      ErrorReason.wrongDatatype, 'inputs[0].data[0] is 1.5; INT8 expects integers in [-128, 127]'],
    ['an out-of-range UINT8', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'UINT8', data: [256] }] }),
      ErrorReason.wrongDatatype, 'inputs[0].data[0] is 256; UINT8 expects integers in [0, 255]'],
    ['a number in BOOL data', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'BOOL', data: [1] }] }),
      ErrorReason.wrongDatatype, 'inputs[0].data[0] is 1; BOOL expects true or false'],
    ['data that is not an array', JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: 1 }] }),
      ErrorReason.wrongShape, 'inputs[0].data must be an array, got 1'],
    ['a non-string id', JSON.stringify({ id: 7, inputs: [] }), ErrorReason.wrongDatatype, 'id must be a string, got 7'],
  ];
  it.each(bad)('rejects %s with a precise 400', (_name, body, reason, message) => {
    const f = failure(parseOipRequest(buf(body)));
    expect(f.kind).toBe('invalid');
    if (f.kind !== 'invalid') return;
    expect(f.status).toBe(400);
    expect(f.reason).toBe(reason);
    expect(f.message.startsWith(message)).toBe(true);
  });

  it('rejects data nested deeper than any tensor without exhausting the stack', () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    const f = failure(parseOipRequest(buf(`{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":${deep}}]}`)));
    expect(f.kind === 'invalid' && f.message).toBe('inputs[0].data is nested deeper than 16 levels');
  });

  it.each([
    ['the binary header', {}, { 'inference-header-content-length': '120' }],
    ['an input with binary_data_size', { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', parameters: { binary_data_size: 4 } }] }, {}],
    ['a requested binary output', { outputs: [{ name: 'y', parameters: { binary_data: true } }] }, {}],
    ['binary_data_output', { parameters: { binary_data_output: true } }, {}],
  ])('passes a binary tensor payload (%s) through as unmonitorable', (_n, overrides, headers) => {
    const body = Object.keys(headers).length ? Buffer.concat([buf(createRequest()), Buffer.from([0, 1, 2, 3])]) : buf(createRequest(overrides));
    const f = failure(parseOipRequest(body, headers));
    expect(f).toEqual({ ok: false, kind: 'unmonitorable', reason: 'binary_tensor' });
  });
});

describe('OIP codec input batch', () => {
  it('splits a [N,F] tensor into feature columns named by the configured feature names', () => {
    const codec = createOipCodec({ featureNames: ['precipitation', 'temp_max', 'temp_min', 'wind'] });
    const r = codec.parseRequest(buf({ inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: [0, 12.8, 5, 4.7, 10.9, 10.6, 2.8, 4.5] }] }), {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.rows).toBe(2);
    expect([...r.value.columns.keys()]).toEqual(['precipitation', 'temp_max', 'temp_min', 'wind']);
    expect(Array.from(r.value.columns.get('temp_max') as Float32Array)).toEqual([Math.fround(12.8), Math.fround(10.6)]);
  });

  it('names columns <tensor>[j] when the feature names do not fit, and 1-D tensors by their name', () => {
    const codec = createOipCodec({ featureNames: ['only_one'] });
    const r = codec.parseRequest(buf(createRequest()), {});
    expect(r.ok && [...r.value.columns.keys()]).toEqual(['input0[0]', 'input0[1]', 'input1']);
    expect(r.ok && r.value.rows).toBe(3);
  });

  it('hands rank-3+ tensors to the extractors as one media item per row', () => {
    const codec = createOipCodec();
    const r = codec.parseRequest(buf({ inputs: [{ name: 'image', shape: [2, 2, 2], datatype: 'UINT8', data: [0, 1, 2, 3, 4, 5, 6, 7] }] }), {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const items = r.value.media!.get('image') as { data: Int32Array; shape: number[] }[];
    expect(items.map((i) => [Array.from(i.data), i.shape])).toEqual([[[0, 1, 2, 3], [2, 2]], [[4, 5, 6, 7], [2, 2]]]);
  });
});

describe('OIP responses', () => {
  it('round-trips encode → parse: probability matrices vs plain values', () => {
    const body = encodeOipResponse({
      model_name: 'weather', model_version: '3', id: '42',
      outputs: [
        { name: 'probabilities', shape: [2, 3], datatype: 'FP32', data: new Float32Array([0.7, 0.2, 0.1, 0.1, 0.1, 0.8]) },
        { name: 'label', shape: [2], datatype: 'BYTES', data: ['rain', 'sun'] },
        { name: 'score', shape: [2, 1], datatype: 'FP64', data: new Float64Array([3.5, -1]) },
      ],
    });
    const json = JSON.parse(body);
    expect(json).toMatchObject({ model_name: 'weather', model_version: '3', id: '42' });
    expect(Array.isArray(json.outputs[0].data)).toBe(true);
    const r = parseOipResponse(Buffer.from(body));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.rows).toBe(2);
    const p = r.value.outputs.get('probabilities')!;
    expect(p.kind === 'probabilities' && [p.rows, p.classes, Array.from(p.data)]).toEqual([2, 3, Array.from(new Float32Array([0.7, 0.2, 0.1, 0.1, 0.1, 0.8]))]);
    expect(r.value.outputs.get('label')).toEqual({ kind: 'values', values: ['rain', 'sun'] });
    expect(r.value.outputs.get('score')).toEqual({ kind: 'values', values: [3.5, -1] });
  });

  it('round-trips random tensors of every numeric datatype through encode and parse', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let k = 0; k < 50; k++) {
      const rows = 1 + Math.floor(rnd() * 5);
      const data = new Float64Array(rows * 2).map(() => Math.round((rnd() - 0.5) * 1e6) / 7);
      const body = encodeOipResponse({ model_name: 'm', outputs: [{ name: 'y', shape: [rows, 2], datatype: 'FP64', data }] });
      const r = parseOipResponse(Buffer.from(body));
      expect(r.ok && r.value.outputs.get('y')).toEqual({ kind: 'values', values: Array.from(data) });
    }
  });

  it('reports a response without outputs and passes binary responses through', () => {
    const f = failure(parseOipResponse(buf({ model_name: 'm' })));
    expect(f.kind === 'invalid' && f.message).toBe('infer response must have a non-empty "outputs" array of tensors');
    expect(failure(parseOipResponse(buf({ model_name: 'm' }), { 'inference-header-content-length': '10' })).kind).toBe('unmonitorable');
  });
});

describe('matchOipInfer', () => {
  it.each([
    ['POST', '/v2/models/weather/infer', { model: 'weather' }],
    ['POST', '/v2/models/weather/versions/3/infer?x=1', { model: 'weather', version: '3' }],
    ['POST', '/v2/models/my%20model/infer', { model: 'my model' }],
    ['GET', '/v2/models/weather/infer', null],
    ['POST', '/v2/models/weather', null],
    ['POST', '/v2/models//infer', null],
    ['POST', '/v2/models/weather/infer/extra', null],
  ])('%s %s → %j', (method, path, expected) => {
    expect(matchOipInfer(method, path)).toEqual(expected);
  });
});

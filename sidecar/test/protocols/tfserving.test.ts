import { describe, expect, it } from 'vitest';
import { ErrorReason } from '@modelwatch/core';
import { createTfServingCodec, matchTfPredict, parseTfRequest, parseTfResponse } from '../../src/protocols/tfserving.js';
import { buf, failure, plainColumns, value } from './helpers.js';

describe('TF Serving / KServe v1 requests', () => {
  it('reads the row form with positional features named by the configured feature names', () => {
    const b = value(parseTfRequest(buf({ instances: [[0, 12.8, 5, 4.7], [10.9, 10.6, 2.8, 4.5]] }), { featureNames: ['precipitation', 'temp_max', 'temp_min', 'wind'] }));
    expect(b.rows).toBe(2);
    expect(plainColumns(b)).toEqual({ precipitation: [0, 10.9], temp_max: [12.8, 10.6], temp_min: [5, 2.8], wind: [4.7, 4.5] });
  });

  it('reads the documented list-of-objects row form: scalars, small tensors and b64 media', () => {
    // Shape of the TF Serving REST API documentation example for named inputs.
    const b = value(parseTfRequest(buf({
      signature_name: 'serving_default',
      instances: [
        { tag: 'foo', signal: [1, 2, 3], sensor: [[1, 2], [3, 4]], image: { b64: 'aGVsbG8=' } },
        { tag: 'bar', signal: [3, 4, 5], sensor: [[4, 5], [6, 8]], image: { b64: 'd29ybGQ=' } },
      ],
    })));
    expect(b.rows).toBe(2);
    expect(plainColumns(b)).toEqual({ tag: ['foo', 'bar'], 'signal[0]': [1, 3], 'signal[1]': [2, 4], 'signal[2]': [3, 5] });
    expect(b.media!.get('sensor')).toEqual([[[1, 2], [3, 4]], [[4, 5], [6, 8]]]);
    expect(b.media!.get('image')).toEqual([{ b64: 'aGVsbG8=' }, { b64: 'd29ybGQ=' }]);
  });

  it('takes {"b64": …} instances of a single unnamed input as media, not as a feature', () => {
    const b = value(parseTfRequest(buf({ instances: [{ b64: 'aGVsbG8=' }, { b64: 'd29ybGQ=' }] })));
    expect(b.columns.size).toBe(0);
    expect(b.media!.get('input')).toEqual([{ b64: 'aGVsbG8=' }, { b64: 'd29ybGQ=' }]);
  });

  it('reads the columnar form, as named columns or as a list of rows', () => {
    const named = value(parseTfRequest(buf({ inputs: { tag: ['foo', 'bar'], signal: [[1, 2], [3, 4]] } })));
    expect(plainColumns(named)).toEqual({ tag: ['foo', 'bar'], 'signal[0]': [1, 3], 'signal[1]': [2, 4] });
    const rows = value(parseTfRequest(buf({ inputs: [[1, 2], [3, 4]] })));
    expect(plainColumns(rows)).toEqual({ 'input[0]': [1, 3], 'input[1]': [2, 4] });
  });

  it('fills a feature missing from some records with null', () => {
    const b = value(parseTfRequest(buf({ instances: [{ a: 1, b: 2 }, { a: 3 }] })));
    expect(plainColumns(b)).toEqual({ a: [1, 3], b: [2, null] });
  });

  it.each([
    ['neither form', { signature_name: 'x' }, ErrorReason.wrongShape, 'predict request must have "instances" (row form) or "inputs" (columnar form)'],
    ['both forms', { instances: [1], inputs: [1] }, ErrorReason.wrongShape, 'predict request has both "instances" and "inputs"; send exactly one'],
    ['ragged rows', { instances: [[1, 2], [3]] }, ErrorReason.wrongShape, 'instances[1] has 1 values, instances[0] has 2'],
    ['ragged columns', { inputs: { a: [1, 2], b: [1] } }, ErrorReason.wrongShape, 'inputs.b has 1 rows, inputs.a has 2'],
    ['a non-array column', { inputs: { a: 1 } }, ErrorReason.wrongShape, 'inputs.a must be an array (one value per row), got 1'],
    ['instances that are not a list', { instances: 'x' }, ErrorReason.wrongShape, 'instances must be an array of rows, got "x"'],
    ['an overflowing number', '{"instances":[[1, -1e400]]}', ErrorReason.nonFinite, 'instances[0][1] is not finite (overflowing number)'],
    ['malformed JSON', '{"instances": [1,', ErrorReason.malformedJson, 'request body is not valid JSON'],
  ])('rejects %s', (_n, body, reason, message) => {
    const f = failure(parseTfRequest(buf(body)));
    expect(f.kind === 'invalid' && [f.status, f.reason]).toEqual([400, reason]);
    expect(f.kind === 'invalid' && f.message.startsWith(message)).toBe(true);
  });
});

describe('TF Serving / KServe v1 responses', () => {
  it('reads predictions of class probabilities as a probability matrix', () => {
    const o = value(parseTfResponse(buf({ predictions: [[0.1, 0.9], [0.8, 0.2]] })));
    const p = o.outputs.get('predictions')!;
    expect(o.rows).toBe(2);
    expect(p.kind === 'probabilities' && [p.classes, Array.from(p.data)]).toEqual([2, [0.1, 0.9, 0.8, 0.2]]);
  });

  it('reads scalar predictions, single-value rows and named outputs as values', () => {
    expect(value(parseTfResponse(buf({ predictions: [3.5, 2] }))).outputs.get('predictions')).toEqual({ kind: 'values', values: [3.5, 2] });
    expect(value(parseTfResponse(buf({ predictions: [[3.5], [2]] }))).outputs.get('predictions')).toEqual({ kind: 'values', values: [3.5, 2] });
    const named = value(parseTfResponse(buf({ predictions: [{ label: 'rain', score: 0.7 }, { label: 'sun', score: 0.9 }] })));
    expect([...named.outputs.keys()]).toEqual(['label', 'score']);
    expect(named.outputs.get('label')).toEqual({ kind: 'values', values: ['rain', 'sun'] });
  });

  it('reads the columnar "outputs" answer', () => {
    const o = value(parseTfResponse(buf({ outputs: { scores: [[0.2, 0.8]], label: ['sun'] } })));
    expect(o.outputs.get('scores')?.kind).toBe('probabilities');
    expect(o.outputs.get('label')).toEqual({ kind: 'values', values: ['sun'] });
  });

  it('reports a response with neither predictions nor outputs', () => {
    const f = failure(parseTfResponse(buf({ error: 'x' })));
    expect(f.kind === 'invalid' && f.message).toBe('predict response must have "predictions" or "outputs"');
  });
});

describe('matchTfPredict', () => {
  it.each([
    ['POST', '/v1/models/weather:predict', { model: 'weather' }],
    ['POST', '/v1/models/weather/versions/2:predict', { model: 'weather', version: '2' }],
    ['POST', '/v1/models/weather/labels/stable:predict', { model: 'weather', version: 'stable' }],
    ['POST', '/v1/models/weather:classify', null],
    ['POST', '/v1/models/:predict', null],
    ['GET', '/v1/models/weather', null],
  ])('%s %s → %j', (method, path, expected) => {
    expect(matchTfPredict(method, path)).toEqual(expected);
  });

  it('is what the codec uses', () => {
    expect(createTfServingCodec().matchInference('POST', '/v1/models/m:predict')).toEqual({ model: 'm' });
  });
});

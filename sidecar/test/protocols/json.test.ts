import { describe, expect, it } from 'vitest';
import { ErrorReason } from '@modelwatch/core';
import { createJsonCodec } from '../../src/protocols/json.js';
import { compileJsonPointer } from '../../src/protocols/json-pointer.js';
import { createProtocolCodec } from '../../src/protocols/registry.js';
import { buf, failure, plainColumns, value } from './helpers.js';

describe('compileJsonPointer (RFC 6901)', () => {
  // The examples of RFC 6901 §5.
  const doc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 };
  it.each([
    ['', doc], ['/foo', ['bar', 'baz']], ['/foo/0', 'bar'], ['/', 0], ['/a~1b', 1], ['/c%d', 2], ['/e^f', 3],
    ['/g|h', 4], ['/i\\j', 5], ['/k"l', 6], ['/ ', 7], ['/m~0n', 8],
  ])('resolves %j', (pointer, expected) => {
    expect(compileJsonPointer(pointer).get(doc)).toEqual(expected);
  });

  it.each([['/foo/2'], ['/foo/01'], ['/foo/-'], ['/missing'], ['/foo/0/x'], ['/toString']])('returns undefined for %j', (pointer) => {
    expect(compileJsonPointer(pointer).get(doc)).toBeUndefined();
  });

  it('decodes ~01 to ~1, not to /', () => {
    expect(compileJsonPointer('/~01').get({ '~1': 'yes', '/': 'no' })).toBe('yes');
  });

  it.each([['data', 'must be "" or start with "/"'], ['/a~2', 'invalid escape'], ['/a~', 'invalid escape']])(
    'fails fast at startup on %j', (pointer, message) => {
      expect(() => compileJsonPointer(pointer)).toThrow(message);
    });
});

describe('generic JSON codec', () => {
  const codec = createJsonCodec({ path: '/models/{model}/score', inputs: '/payload/rows', outputs: '/result/scores', featureNames: ['temp_max', 'wind'] });

  it('matches only the configured method and path, capturing the model', () => {
    expect(codec.matchInference('POST', '/models/weather/score')).toEqual({ model: 'weather' });
    expect(codec.matchInference('PUT', '/models/weather/score')).toBeNull();
    expect(codec.matchInference('POST', '/models/weather')).toBeNull();
  });

  it('reads rows of arrays or of records at the inputs pointer', () => {
    expect(plainColumns(value(codec.parseRequest(buf({ payload: { rows: [[12.8, 4.7]] } }), {})))).toEqual({ temp_max: [12.8], wind: [4.7] });
    expect(plainColumns(value(codec.parseRequest(buf({ payload: { rows: [{ x: 'a' }, { x: 'b' }] } }), {})))).toEqual({ x: ['a', 'b'] });
  });

  it('reads outputs at the outputs pointer', () => {
    const o = value(codec.parseResponse(buf({ result: { scores: [[0.3, 0.7]] } }), {}));
    expect(o.outputs.get('output')?.kind).toBe('probabilities');
  });

  it('says which pointer found nothing', () => {
    const f = failure(codec.parseRequest(buf({ payload: {} }), {}));
    expect(f.kind === 'invalid' && [f.reason, f.message]).toEqual([ErrorReason.wrongShape, 'request body has nothing at "/payload/rows" (the configured inputs pointer)']);
    const g = failure(codec.parseResponse(buf({}), {}));
    expect(g.kind === 'invalid' && g.message).toBe('response body has nothing at "/result/scores" (the configured outputs pointer)');
  });

  it('is built by the protocol registry, which rejects a bad pointer at startup', () => {
    expect(createProtocolCodec({ protocol: 'json', path: '/p', inputs: '', outputs: '' }).protocol).toBe('json');
    expect(() => createProtocolCodec({ protocol: 'json', path: '/p', inputs: 'rows', outputs: '' })).toThrow('MW_ERR_JSON_POINTER');
    expect(() => createProtocolCodec({ protocol: 'json', path: 'p', inputs: '', outputs: '' })).toThrow('MW_ERR_ROUTE_TEMPLATE');
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorReason } from '@modelwatch/core';
import { createMlflowCodec, matchMlflowInvocation, parseMlflowRequest, parseMlflowResponse } from '../../src/protocols/mlflow.js';
import { parseCsv } from '../../src/protocols/csv.js';
import { buf, failure, plainColumns, value } from './helpers.js';

const expected = { temp_max: [12.8, 10.6], wind: [4.7, 4.5] };

describe('MLflow /invocations requests', () => {
  it.each([
    ['dataframe_split', { dataframe_split: { columns: ['temp_max', 'wind'], data: [[12.8, 4.7], [10.6, 4.5]] } }],
    ['dataframe_split with an index', { dataframe_split: { index: [0, 1], columns: ['temp_max', 'wind'], data: [[12.8, 4.7], [10.6, 4.5]] } }],
    ['dataframe_records', { dataframe_records: [{ temp_max: 12.8, wind: 4.7 }, { temp_max: 10.6, wind: 4.5 }] }],
    ['instances of records', { instances: [{ temp_max: 12.8, wind: 4.7 }, { temp_max: 10.6, wind: 4.5 }] }],
    ['inputs as columns', { inputs: { temp_max: [12.8, 10.6], wind: [4.7, 4.5] } }],
    ['MLflow 1.x bare records', [{ temp_max: 12.8, wind: 4.7 }, { temp_max: 10.6, wind: 4.5 }]],
    ['MLflow 1.x bare pandas split', { columns: ['temp_max', 'wind'], data: [[12.8, 4.7], [10.6, 4.5]] }],
  ])('reads the %s format', (_n, body) => {
    const b = value(parseMlflowRequest(buf(body)));
    expect(b.rows).toBe(2);
    expect(plainColumns(b)).toEqual(expected);
  });

  it('names positional instances by the configured feature names', () => {
    const b = value(parseMlflowRequest(buf({ inputs: [[12.8, 4.7], [10.6, 4.5]] }), {}, { featureNames: ['temp_max', 'wind'] }));
    expect(plainColumns(b)).toEqual(expected);
  });

  it('reads a text/csv body with a header, quoted fields and empty cells', () => {
    const csv = 'temp_max,wind,weather\r\n12.8,4.7,"rain, heavy"\r\n10.6,,"say ""sun"""\r\n';
    const b = value(parseMlflowRequest(Buffer.from(csv), { 'content-type': 'text/csv; charset=utf-8' }));
    expect(plainColumns(b)).toEqual({ temp_max: [12.8, 10.6], wind: [4.7, null], weather: ['rain, heavy', 'say "sun"'] });
  });

  it.each([
    ['no known key', { data: [] }, ErrorReason.wrongShape, 'invocation must have one of dataframe_split, dataframe_records, instances, inputs'],
    ['two keys', { instances: [], inputs: [] }, ErrorReason.wrongShape, 'invocation has instances and inputs; send exactly one of'],
    ['a split without data', { dataframe_split: { columns: ['a'] } }, ErrorReason.wrongShape, 'dataframe_split must be an object with "columns" and "data" arrays'],
    ['split columns that are not names', { dataframe_split: { columns: [1], data: [[1]] } }, ErrorReason.wrongShape, 'dataframe_split.columns must be an array of column names'],
    ['a split row of the wrong width', { dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [1, 2, 3]] } }, ErrorReason.wrongShape, 'dataframe_split.data[1] has 3 values, dataframe_split.data[0] has 2'],
    ['a JSON string body', '"hello"', ErrorReason.malformedJson, 'invocation must be a JSON object'],
  ])('rejects %s', (_n, body, reason, message) => {
    const f = failure(parseMlflowRequest(buf(body)));
    expect(f.kind === 'invalid' && f.reason).toBe(reason);
    expect(f.kind === 'invalid' && f.message.startsWith(message)).toBe(true);
  });

  it('rejects a CSV row whose width differs from the header, naming its line', () => {
    const f = failure(parseMlflowRequest(Buffer.from('a,b\n1,2\n3\n'), { 'content-type': 'text/csv' }));
    expect(f.kind === 'invalid' && f.message).toBe('CSV line 3 has 1 fields, the header has 2');
  });
});

describe('parseCsv', () => {
  it('reports an unterminated quote and an empty body', () => {
    expect(failure(parseCsv('a\n"x')).kind).toBe('invalid');
    const f = failure(parseCsv(''));
    expect(f.kind === 'invalid' && f.message).toBe('CSV body is empty; expected a header row');
  });

  it('keeps numeric-looking text with leading signs and exponents as numbers, other text as text', () => {
    expect(value(parseCsv('a,b,c,d\n-1.5e3,+.5,1x,NaN')).rows).toEqual([[-1500, 0.5, '1x', 'NaN']]);
  });
});

describe('MLflow responses', () => {
  it.each([
    ['{"predictions": [...]}', { predictions: ['rain', 'sun'] }],
    ['a bare list (MLflow 1.x)', ['rain', 'sun']],
  ])('reads %s', (_n, body) => {
    expect(value(parseMlflowResponse(buf(body))).outputs.get('predictions')).toEqual({ kind: 'values', values: ['rain', 'sun'] });
  });

  it('reads predictions given as a dataframe of named columns', () => {
    const o = value(parseMlflowResponse(buf({ predictions: { label: ['rain'], proba: [0.9] } })));
    expect(o.outputs.get('proba')).toEqual({ kind: 'values', values: [0.9] });
  });

  it('reports an answer without predictions', () => {
    const f = failure(parseMlflowResponse(buf({ result: 1 })));
    expect(f.kind === 'invalid' && f.message).toBe('invocation response must be {"predictions": …} or a list');
  });
});

describe('matchMlflowInvocation', () => {
  it('matches POST /invocations only', () => {
    expect(matchMlflowInvocation('POST', '/invocations')).toEqual({});
    expect(matchMlflowInvocation('POST', '/invocations?x=1')).toEqual({});
    expect(matchMlflowInvocation('GET', '/invocations')).toBeNull();
    expect(createMlflowCodec().matchInference('POST', '/ping')).toBeNull();
  });
});

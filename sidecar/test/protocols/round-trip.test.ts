import { describe, expect, it } from 'vitest';
import { createProtocolCodec } from '../../src/protocols/registry.js';
import type { InputBatch } from '../../src/protocols/types.js';
import { plainColumns, value } from './helpers.js';

/** Deterministic pseudo-random tables: the same data sent in every form each protocol allows. */
function createTable(seed: number) {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const features = Array.from({ length: 1 + Math.floor(rnd() * 6) }, (_, j) => `f${j}`);
  const rows = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () =>
    features.map(() => Math.round((rnd() - 0.5) * 1e6) / 64));
  return { features, rows };
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const parse = (protocol: 'oip' | 'tfserving' | 'mlflow', body: Buffer, featureNames: string[], headers = {}): InputBatch =>
  value(createProtocolCodec({ protocol, featureNames }).parseRequest(body, headers));

describe('the same table in every request form', () => {
  it('parses to identical feature columns across 100 random tables', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const { features, rows } = createTable(seed);
      const expected = Object.fromEntries(features.map((f, j) => [f, rows.map((r) => r[j])]));
      const records = rows.map((r) => Object.fromEntries(features.map((f, j) => [f, r[j]])));
      const forms: [string, InputBatch][] = [
        ['oip flat', parse('oip', json({ inputs: [{ name: 'x', shape: [rows.length, features.length], datatype: 'FP64', data: rows.flat() }] }), features)],
        ['oip nested', parse('oip', json({ inputs: [{ name: 'x', shape: [rows.length, features.length], datatype: 'FP64', data: rows }] }), features)],
        ['oip 1-D tensors', parse('oip', json({ inputs: features.map((f, j) => ({ name: f, shape: [rows.length], datatype: 'FP64', data: rows.map((r) => r[j]) })) }), [])],
        ['tf instances rows', parse('tfserving', json({ instances: rows }), features)],
        ['tf instances records', parse('tfserving', json({ instances: records }), [])],
        ['tf inputs columns', parse('tfserving', json({ inputs: expected }), [])],
        ['mlflow split', parse('mlflow', json({ dataframe_split: { columns: features, data: rows } }), [])],
        ['mlflow records', parse('mlflow', json({ dataframe_records: records }), [])],
        ['mlflow csv', parse('mlflow', Buffer.from(`${features.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`), [], { 'content-type': 'text/csv' })],
      ];
      for (const [form, batch] of forms) {
        expect(batch.rows, `${form} seed ${seed}`).toBe(rows.length);
        expect(plainColumns(batch), `${form} seed ${seed}`).toEqual(expected);
      }
    }
  });
});

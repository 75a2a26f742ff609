import { describe, expect, it } from 'vitest';
import { oipBodyWithId } from '../../src/predictions/prediction-log.js';
import { rng } from '../fixtures/random.js';

/** How the id went into the body before it was written byte by byte: the reference the output must equal. */
function reference(body: Buffer, id: string): Buffer {
  if (body.length < 2 || body[0] !== 0x7b || body.includes('"id"')) return body;
  const head = Buffer.from(`{"id":${JSON.stringify(id)}${body[1] === 0x7d ? '' : ','}`);
  return Buffer.concat([head, body.subarray(1)]);
}

describe('prediction id into an OIP body', () => {
  it('puts "id" first in the object, with a comma unless the object is empty', () => {
    const id = '01a22762-b175-78f2-9364-d7e0f60f9c6d';
    expect(oipBodyWithId(Buffer.from('{"inputs":[]}'), id).toString()).toBe(`{"id":"${id}","inputs":[]}`);
    expect(oipBodyWithId(Buffer.from('{}'), id).toString()).toBe(`{"id":"${id}"}`);
  });

  it('leaves a body alone that is not an object or already mentions "id"', () => {
    for (const text of ['[1]', '{', '', ' {"a":1}', '{"id":"x"}', '{"inputs":[{"name":"id"}]}', '{"id"', '{"x":"id"}']) {
      const body = Buffer.from(text);
      expect(oipBodyWithId(body, 'p-1')).toBe(body);
    }
  });

  it('writes the same bytes as Buffer.concat of the JSON.stringify-ed id did, for random bodies and ids (quotes, backslashes, control and non-ASCII characters)', () => {
    const r = rng(5);
    const alphabet = ['a', 'Z', '0', '-', ':', '.', '/', '"', '\\', '\n', '\u0000', '\u007f', 'é', '\u2028', '😀', ' ', '}', '{'];
    for (let i = 0; i < 5000; i++) {
      const id = Array.from({ length: Math.floor(r() * 40) }, () => alphabet[Math.floor(r() * (r() < 0.9 ? 7 : alphabet.length))]).join('');
      const pieces = [...alphabet, '"id"', 'id', '"i', 'd"', 'i', 'd'];
      const inner = Array.from({ length: Math.floor(r() * 30) }, () => pieces[Math.floor(r() * pieces.length)]).join('');
      const body = Buffer.from(r() < 0.8 ? `{${inner}}` : inner);
      const got = oipBodyWithId(body, id);
      const want = reference(body, id);
      if (!got.equals(want)) throw new Error(`${JSON.stringify(body.toString())} + ${JSON.stringify(id)}: ${got.toString()} vs ${want.toString()}`);
    }
  });

  it('returns a buffer of its own: the request body it was given is not changed', () => {
    const body = Buffer.from('{"inputs":[]}');
    const out = oipBodyWithId(body, 'p-2');
    out[out.length - 2] = 0x30;
    expect(body.toString()).toBe('{"inputs":[]}');
  });
});

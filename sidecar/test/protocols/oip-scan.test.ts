import { describe, expect, it } from 'vitest';
import { parseOipRequest, parseOipRequestJson, parseOipResponse, parseOipResponseJson } from '../../src/protocols/oip.js';
import { scanOipRequest, scanOipResponse } from '../../src/protocols/oip-scan.js';
import { rng } from '../fixtures/random.js';

/**
 * The scanner (oip-scan.ts) must never change what parseOipRequest / parseOipResponse return:
 * every body, valid or not, gives exactly what the JSON.parse path gives — the same values (bit
 * for bit: -0, FP32 rounding), the same typed array types, the same error reasons and messages.
 */

/** Strict equality: same types, same keys in the same order, numbers by Object.is (so -0 ≠ 0, NaN = NaN). */
function same(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== 'object' || a === null || b === null) return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return `${path}: length ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `${path}[${i}]: ${x[i]} vs ${y[i]}`;
    return undefined;
  }
  if (a instanceof Map) {
    const x = [...a.entries()];
    const y = [...(b as Map<unknown, unknown>).entries()];
    return same(x, y, `${path}<map>`);
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  if (ka.join('\0') !== kb.join('\0')) return `${path}: keys [${ka}] vs [${kb}]`;
  for (const k of ka) {
    const d = same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

const NUMERIC = ['FP32', 'FP64', 'FP16', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64'];
const DATATYPES = [...NUMERIC, 'BOOL', 'BYTES', 'fp32', 'FP8', ''];

/** JSON whitespace, sometimes. */
function space(r: () => number): string {
  const x = r();
  if (x < 0.8) return '';
  return [' ', '\n', '\t', '\r\n', '  '][Math.floor(r() * 5)];
}

/** A number token: plain, long, exponent, -0, huge, tiny, or (rarely) something JSON does not allow. */
function numberText(r: () => number, datatype: string): string {
  const x = r();
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  if (datatype.startsWith('INT') || datatype.startsWith('UINT')) {
    if (x < 0.7) return String(Math.floor((r() - 0.3) * 300));
    if (x < 0.8) return ['-0', '2147483647', '-2147483648', '2147483648', '4294967295', '65535', '9007199254740991', '9007199254740993', '1.5', '1e2', '255.0'][Math.floor(r() * 11)];
  }
  if (x < 0.45) return String(Math.round((r() - 0.5) * 2000) / 100);
  if (x < 0.55) return String((r() - 0.5) * 10 ** Math.floor(r() * 30 - 15));
  if (x < 0.62) return `${r() < 0.3 ? '-' : ''}${digits(1 + Math.floor(r() * 25)).replace(/^0+(?=\d)/, '')}${r() < 0.6 ? `.${digits(1 + Math.floor(r() * 25))}` : ''}`;
  if (x < 0.7) return `${r() < 0.5 ? '-' : ''}${Math.floor(r() * 100)}${r() < 0.5 ? `.${digits(3)}` : ''}${'eE'[Math.floor(r() * 2)]}${['', '+', '-'][Math.floor(r() * 3)]}${Math.floor(r() * 40)}`;
  if (x < 0.76) return ['-0', '0', '-0.0', '0e5', '-0E-3', '0.000001', '1e-7'][Math.floor(r() * 7)];
  if (x < 0.82) return ['1e38', '3.4028235e38', '3.4028236e38', '65504', '65505', '-65504', '1e308', '1.7976931348623157e308', '1e309', '-1e999', '5e-324', '1e-400', '2e-45'][Math.floor(r() * 13)];
  if (x < 0.86) return ['123456789012345678901234567890', '0.1000000000000000055511151231257827', '9007199254740993', '1e0000000000000000000001', '1e-0000000000000000000000400'][Math.floor(r() * 5)];
  if (x < 0.9) return ['NaN', 'Infinity', '-Infinity', '"NaN"', '"inf"', '"1"', 'true', 'null', '[1]', '{}'][Math.floor(r() * 10)];
  return ['01', '+1', '.5', '1.', '1e', '1e+', '-', '--1', '0x10', '1_0', '١'][Math.floor(r() * 11)];
}

const NAMES = ['input', 'x', 'id', 'f', 'probabilities', 'label', '', 'a b', 'n\\u0061me', 'é', 'tab\\t', 'q\\"', '\u2028', 'input'];

function tensorText(r: () => number, names: string[]): string {
  const datatype = r() < 0.8 ? NUMERIC[Math.floor(r() * (r() < 0.7 ? 2 : NUMERIC.length))] : DATATYPES[Math.floor(r() * DATATYPES.length)];
  const rank = r() < 0.7 ? 2 : Math.floor(r() * 4);
  const dims = Array.from({ length: rank }, () => Math.floor(r() * 5));
  if (rank > 0 && r() < 0.9) dims[0] = Math.max(1, dims[0]);
  let count = dims.reduce((p, d) => p * d, 1);
  if (r() < 0.05) count += r() < 0.5 ? 1 : -1;
  const values = Array.from({ length: Math.max(0, count) }, () => numberText(r, datatype));
  let data = `[${values.map((v) => space(r) + v + space(r)).join(',')}]`;
  if (r() < 0.04) data = `[${values.slice(0, 2).join(',')},[${values.slice(2).join(',')}]]`;
  let shapeText = `[${dims.map((d) => (r() < 0.03 ? ['1.0', '-1', '1.5', '-0', '"2"', '1e0', '1e400'][Math.floor(r() * 7)] : String(d))).join(',')}]`;
  if (r() < 0.02) shapeText = '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]';
  const name = r() < 0.9 ? names.shift() ?? 'input' : NAMES[Math.floor(r() * NAMES.length)];
  const fields: [string, string][] = [
    ['name', JSON.stringify(name).replace(/\\\\/g, '\\')],
    ['shape', shapeText],
    ['datatype', JSON.stringify(datatype)],
    ['data', data],
  ];
  if (r() < 0.15) fields.sort(() => r() - 0.5);
  if (r() < 0.04) fields.push(['parameters', r() < 0.5 ? '{"binary_data_size":4}' : '{"content_type":"x"}']);
  if (r() < 0.03) fields.push([fields[0][0], fields[0][1]]);
  if (r() < 0.03) fields.splice(Math.floor(r() * fields.length), 1);
  const key = (k: string) => (r() < 0.02 ? `"${k.replace('a', '\\u0061')}"` : `"${k}"`);
  return `${space(r)}{${fields.map(([k, v]) => `${space(r)}${key(k)}${space(r)}:${space(r)}${v}`).join(',')}${space(r)}}`;
}

/** A request or response body of the common shape, with random (sometimes invalid) details. */
function bodyText(r: () => number, kind: 'request' | 'response'): string {
  const n = r() < 0.8 ? 1 : 1 + Math.floor(r() * 3);
  const names = kind === 'request' ? ['input', 'input_b', 'input_c'] : ['probabilities', 'label', 'score'];
  const tensors = `[${Array.from({ length: n }, () => tensorText(r, names)).join(',')}]`;
  const fields: [string, string][] = [[kind === 'request' ? 'inputs' : 'outputs', r() < 0.02 ? '[]' : tensors]];
  if (kind === 'request') {
    if (r() < 0.3) fields.push(['id', JSON.stringify(['42', '', 'req-7', 'é', 'a"b'][Math.floor(r() * 5)])]);
    if (r() < 0.05) fields.push(['id', '7']);
    if (r() < 0.04) fields.push(['parameters', r() < 0.5 ? '{"binary_data_output":true}' : '{}']);
    if (r() < 0.04) fields.push(['outputs', '[{"name":"out"}]']);
  } else {
    if (r() < 0.8) fields.unshift(['model_name', JSON.stringify(r() < 0.9 ? 'bench' : 'm\u00e9')]);
    if (r() < 0.3) fields.splice(1, 0, ['model_version', '"1"']);
    if (r() < 0.3) fields.push(['id', JSON.stringify('01a22762-b175-78f2-9364-d7e0f60f9c6d')]);
    if (r() < 0.04) fields.push(['model_name', r() < 0.5 ? '3' : 'null']);
    if (r() < 0.04) fields.push(['parameters', '{}']);
  }
  if (r() < 0.1) fields.sort(() => r() - 0.5);
  if (r() < 0.03) fields.push([fields[0][0], fields[0][1]]);
  return `${space(r)}{${fields.map(([k, v]) => `${space(r)}"${k}"${space(r)}:${space(r)}${v}`).join(',')}${space(r)}}${space(r)}`;
}

/** Byte-level damage to a body: truncation, a stray or missing byte, a BOM, non-ASCII, control characters, trailing junk. */
function damage(r: () => number, body: Buffer): Buffer {
  const x = r();
  const at = Math.floor(r() * body.length);
  if (x < 0.25) return body.subarray(0, at);
  if (x < 0.4) return Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
  if (x < 0.6) {
    const stray = [0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x5c, 0x00, 0x0b, 0x0c, 0x2d, 0x2e, 0x30, 0x35, 0x65, 0x20, 0xa0, 0xff, 0xc3][Math.floor(r() * 20)];
    return Buffer.concat([body.subarray(0, at), Buffer.from([stray]), body.subarray(at)]);
  }
  if (x < 0.7) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
  if (x < 0.8) return Buffer.concat([body, Buffer.from(['x', '}', ',', '{}', '\u00a0', '\u2028'][Math.floor(r() * 6)])]);
  if (x < 0.9) return Buffer.concat([body.subarray(0, at), Buffer.from('\u00e9\u0001'), body.subarray(at)]);
  const copy = Buffer.from(body);
  copy[at] = Math.floor(r() * 256);
  return copy;
}

describe('OIP scanner (common shape straight from the bytes)', () => {
  it('gives every request what the JSON.parse path gives: values, errors and messages, on 6,000 random, damaged and hostile bodies', () => {
    const r = rng(13);
    let scanned = 0;
    let accepted = 0;
    for (let i = 0; i < 6000; i++) {
      let body: Buffer = Buffer.from(bodyText(r, 'request'));
      if (i % 3 === 2) body = damage(r, body);
      const general = parseOipRequestJson(body);
      const result = parseOipRequest(body);
      const diff = same(result, general);
      if (diff !== undefined) throw new Error(`body ${JSON.stringify(body.toString('latin1'))}: ${diff}`);
      if (general.ok) accepted++;
      if (scanOipRequest(body) !== undefined) {
        scanned++;
        // The scanner answers only for bodies the general path accepts.
        expect(general.ok).toBe(true);
      }
    }
    // The generator must exercise both paths: half the valid bodies or more scanned, many bodies refused.
    expect(scanned).toBeGreaterThan(accepted * 0.5);
    expect(accepted).toBeGreaterThan(1000);
    expect(6000 - accepted).toBeGreaterThan(1000);
  });

  it('gives every response what the JSON.parse path gives, on 6,000 random, damaged and hostile bodies', () => {
    const r = rng(31);
    let scanned = 0;
    let accepted = 0;
    for (let i = 0; i < 6000; i++) {
      let body: Buffer = Buffer.from(bodyText(r, 'response'));
      if (i % 3 === 2) body = damage(r, body);
      const general = parseOipResponseJson(body);
      const diff = same(parseOipResponse(body), general);
      if (diff !== undefined) throw new Error(`body ${JSON.stringify(body.toString('latin1'))}: ${diff}`);
      if (general.ok) accepted++;
      if (scanOipResponse(body) !== undefined) {
        scanned++;
        expect(general.ok).toBe(true);
      }
    }
    expect(scanned).toBeGreaterThan(accepted * 0.5);
    expect(accepted).toBeGreaterThan(1000);
  });

  it('reads every number as JSON.parse does, bit for bit (long mantissas, exponents, -0, overflow, underflow)', () => {
    const r = rng(7);
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
    const samples = ['0', '-0', '-0.0', '0.1', '0.30000000000000004', '9007199254740991', '9007199254740992', '9007199254740993',
      '1e22', '1e23', '123456789e-22', '123456789e-23', '4.9e-324', '2.2250738585072014e-308', '1.7976931348623157e308', '1e309', '-1e999', '1e-999'];
    for (let i = 0; i < 20000; i++) {
      const int = digits(1 + Math.floor(r() * 20)).replace(/^0+(?=\d)/, '');
      const frac = r() < 0.7 ? `.${digits(1 + Math.floor(r() * 20))}` : '';
      const exp = r() < 0.4 ? `e${r() < 0.5 ? '-' : ''}${Math.floor(r() * 330)}` : '';
      samples.push(`${r() < 0.4 ? '-' : ''}${int}${frac}${exp}`);
    }
    for (const text of samples) {
      const body = Buffer.from(`{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[${text}]}]}`);
      const expected = JSON.parse(text) as number;
      const scanned = scanOipRequest(body);
      if (!Number.isFinite(expected)) {
        expect(scanned).toBeUndefined();
        continue;
      }
      if (!Object.is(scanned?.inputs[0].data[0], expected)) throw new Error(`${text}: scanned ${scanned?.inputs[0].data[0]}, JSON.parse ${expected}`);
    }
  });

  it('leaves to the general path what it does not read itself (nested data, parameters, escapes, BOOL, BYTES)', () => {
    const bodies = [
      '{"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32","data":[[1,2]]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1],"parameters":{}}]}',
      '{"inputs":[{"name":"\\u0078","shape":[1],"datatype":"FP32","data":[1]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[true]}]}',
      '{"inputs":[{"name":"x","shape":[1],"datatype":"BYTES","data":["a"]}]}',
      '{"inputs":[{"name":"x","data":[1],"shape":[1],"datatype":"FP32"}]}',
      '\ufeff{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}',
    ];
    for (const text of bodies) {
      const body = Buffer.from(text);
      expect(scanOipRequest(body)).toBeUndefined();
      expect(same(parseOipRequest(body), parseOipRequestJson(body))).toBeUndefined();
    }
  });

  it('scans the usual request into the same typed matrix the general path builds', () => {
    const body = Buffer.from('{"id":"r1","inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","data":[0.1,-0,3e2,1.5,7,1e-3]}]}');
    const scanned = scanOipRequest(body)!;
    expect(scanned.id).toBe('r1');
    expect(scanned.inputs[0].data).toBeInstanceOf(Float32Array);
    expect(Object.is(scanned.inputs[0].data[1], -0)).toBe(true);
    expect(Array.from(scanned.inputs[0].data as Float32Array)).toEqual([0.1, -0, 300, 1.5, 7, 1e-3].map(Math.fround));
    expect(same(parseOipRequest(body), parseOipRequestJson(body))).toBeUndefined();
  });
});

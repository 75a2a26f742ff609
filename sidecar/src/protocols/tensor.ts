import { ErrorReason } from '@modelwatch/core';
import type { DecodedTensor, OipDatatype, Parsed } from './types.js';
import { invalid, ok, preview } from './parsed.js';

type NumericArray = Float32Array | Float64Array | Int32Array;

type NumericArrayConstructor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;

interface DatatypeSpec {
  kind: 'float' | 'int' | 'bool' | 'bytes';
  /** Typed array the values decode to; chosen so every value of the type is exact (bar 64-bit ints past 2^53). */
  array?: NumericArrayConstructor;
  min?: number;
  max?: number;
}

/** Open Inference Protocol datatypes → how their JSON values are checked and stored. */
export const DATATYPES: Readonly<Record<OipDatatype, DatatypeSpec>> = {
  BOOL: { kind: 'bool' },
  UINT8: { kind: 'int', array: Int32Array, min: 0, max: 255 },
  UINT16: { kind: 'int', array: Int32Array, min: 0, max: 65_535 },
  UINT32: { kind: 'int', array: Float64Array, min: 0, max: 4_294_967_295 },
  UINT64: { kind: 'int', array: Float64Array, min: 0, max: Number.MAX_SAFE_INTEGER },
  INT8: { kind: 'int', array: Int32Array, min: -128, max: 127 },
  INT16: { kind: 'int', array: Int32Array, min: -32_768, max: 32_767 },
  INT32: { kind: 'int', array: Int32Array, min: -2_147_483_648, max: 2_147_483_647 },
  INT64: { kind: 'int', array: Float64Array, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  FP16: { kind: 'float', array: Float32Array },
  FP32: { kind: 'float', array: Float32Array },
  FP64: { kind: 'float', array: Float64Array },
  BYTES: { kind: 'bytes' },
};

const DATATYPE_NAMES = Object.keys(DATATYPES).join(', ');
/** Deeper nesting than any real tensor: stops a hostile body from recursing the stack away. */
const MAX_RANK = 16;
/** Strings a client may send for values JSON cannot carry; reported as non-finite, not as a type error. */
const NON_FINITE_STRING = /^[+-]?(nan|inf(inity)?)$/i;

export function isDatatype(v: unknown): v is OipDatatype {
  return typeof v === 'string' && Object.hasOwn(DATATYPES, v);
}

export function checkDatatype(v: unknown, where: string): Parsed<OipDatatype> {
  if (isDatatype(v)) return ok(v);
  return invalid(ErrorReason.wrongDatatype, `${where} ${preview(v)} is not a tensor datatype; expected one of ${DATATYPE_NAMES}`);
}

export function checkShape(v: unknown, where: string): Parsed<number[]> {
  if (!Array.isArray(v) || v.length > MAX_RANK) {
    return invalid(ErrorReason.wrongShape, `${where} must be an array of at most ${MAX_RANK} non-negative integers, got ${preview(v)}`);
  }
  for (const d of v) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      return invalid(ErrorReason.wrongShape, `${where} must contain non-negative integers, got ${preview(v)}`);
    }
  }
  return ok(v as number[]);
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Counts the leaves of (possibly nested) tensor data; -1 when nested deeper than MAX_RANK. */
function countLeaves(data: readonly unknown[], depth: number): number {
  if (depth > MAX_RANK) return -1;
  let n = 0;
  for (const x of data) {
    if (Array.isArray(x)) {
      const c = countLeaves(x, depth + 1);
      if (c < 0) return -1;
      n += c;
    } else n += 1;
  }
  return n;
}

/** Whether a finite number stays finite in the datatype: FP32 overflow, FP16 beyond its largest finite 65504 (Inf in the model). */
export function fitsDatatype(x: number, datatype: OipDatatype): boolean {
  if (datatype === 'FP32') return Number.isFinite(Math.fround(x));
  if (datatype === 'FP16') return x <= 65504 && x >= -65504;
  return true;
}

/** Typed arrays of more than 64 bytes (V8 keeps smaller ones in its heap) and up to this size are cut from a shared slab. */
const SLAB_MAX_VIEW = 256;
const SLAB_BYTES = 2048;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabAt = 0;

/**
 * A zeroed typed array of n elements. V8 keeps typed arrays of up to 64 bytes in its heap; a larger
 * one (20 FP32 features: 80 bytes) gets a buffer of its own outside it — an allocation, external
 * memory accounting and a sweep when it dies, 0.2–0.9 µs per request in a micro-benchmark. Up to
 * SLAB_MAX_VIEW bytes they are views cut from a shared 2 KB buffer instead, as Node's Buffer pool
 * does (14 ns). Memory stays bounded: a view that outlives its request (a prediction record waiting
 * for its flush, a review mark) holds at most its 2 KB slab alive, never more.
 */
export function numericArray(ctor: NumericArrayConstructor, n: number): NumericArray {
  const bytes = n * ctor.BYTES_PER_ELEMENT;
  if (bytes <= 64 || bytes > SLAB_MAX_VIEW) return new ctor(n);
  if (slabAt + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabAt = 0;
  }
  const a = new ctor(slab, slabAt, n);
  // Next view on an 8-byte boundary: Float64Array offsets must be multiples of 8.
  slabAt += (bytes + 7) & ~7;
  return a;
}

/** Flat float data as `array`, or undefined when some value is not a finite number the datatype can hold (the general walk then says which). */
function flatFloats(data: readonly unknown[], array: NumericArrayConstructor, datatype: OipDatatype): NumericArray | undefined {
  const n = data.length;
  const out = numericArray(array, n);
  for (let i = 0; i < n; i++) {
    const x = data[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || !fitsDatatype(x, datatype)) return undefined;
    out[i] = x;
  }
  return out;
}

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Decodes the `data` of a tensor (flat or nested row-major, as OIP allows) into a flat array
 * that matches `shape`: typed arrays for numeric datatypes, with every value checked.
 * `where` prefixes messages, e.g. `inputs[0]`.
 */
export function decodeTensorData(
  data: unknown,
  shape: readonly number[],
  datatype: OipDatatype,
  where: string,
): Parsed<DecodedTensor['data']> {
  if (!Array.isArray(data)) {
    return invalid(ErrorReason.wrongShape, `${where}.data must be an array, got ${preview(data)}`);
  }
  const expected = shapeSize(shape);
  const spec = DATATYPES[datatype];
  if (spec.kind === 'float' && data.length === expected) {
    // The usual inference call: a flat array of floats. One tight loop; on the first value it does
    // not accept (a nested array too) it stops, and the general walk below finds the problem again
    // for the exact message.
    const flat = flatFloats(data, spec.array!, datatype);
    if (flat !== undefined) return ok(flat);
  }
  const nested = data.some(Array.isArray);
  const actual = nested ? countLeaves(data, 1) : data.length;
  if (actual < 0) return invalid(ErrorReason.wrongShape, `${where}.data is nested deeper than ${MAX_RANK} levels`);
  if (actual !== expected) {
    return invalid(ErrorReason.wrongShape, `${where}.shape ${fmtShape(shape)} needs ${expected} values, data has ${actual}`);
  }
  const out: unknown[] | NumericArray = spec.array ? numericArray(spec.array, expected) : new Array<unknown>(expected);
  let i = 0;
  let error: Parsed<never> | undefined;

  // The message path is built only on error, never per value.
  const at = () => `${where}.data[${i}]`;
  const put = (x: unknown): boolean => {
    switch (spec.kind) {
      case 'float':
      case 'int': {
        if (typeof x !== 'number') {
          if (typeof x === 'string' && NON_FINITE_STRING.test(x.trim())) {
            error = invalid(ErrorReason.nonFinite, `${at()} is ${preview(x)}; ${datatype} values must be finite numbers`);
          } else {
            error = invalid(ErrorReason.wrongDatatype, `${at()} is ${preview(x)}; ${datatype} expects numbers`);
          }
          return false;
        }
        if (!Number.isFinite(x)) {
          error = invalid(ErrorReason.nonFinite, `${at()} is not finite (overflowing number); ${datatype} values must be finite`);
          return false;
        }
        if (spec.kind === 'int' && (!Number.isInteger(x) || x < spec.min! || x > spec.max!)) {
          error = invalid(ErrorReason.wrongDatatype, `${at()} is ${x}; ${datatype} expects integers in [${spec.min}, ${spec.max}]`);
          return false;
        }
        if (!fitsDatatype(x, datatype)) {
          error = invalid(ErrorReason.nonFinite, `${at()} is ${x}, which overflows ${datatype}`);
          return false;
        }
        (out as NumericArray)[i++] = x;
        return true;
      }
      case 'bool':
        if (typeof x !== 'boolean') {
          error = invalid(ErrorReason.wrongDatatype, `${at()} is ${preview(x)}; BOOL expects true or false`);
          return false;
        }
        (out as unknown[])[i++] = x;
        return true;
      case 'bytes':
        if (typeof x !== 'string') {
          error = invalid(ErrorReason.wrongDatatype, `${at()} is ${preview(x)}; BYTES expects strings`);
          return false;
        }
        (out as unknown[])[i++] = x;
        return true;
    }
  };

  const walk = (arr: readonly unknown[]): boolean => {
    for (const x of arr) {
      if (Array.isArray(x) ? !walk(x) : !put(x)) return false;
    }
    return true;
  };
  if (!walk(data)) return error!;
  return ok(out as DecodedTensor['data']);
}

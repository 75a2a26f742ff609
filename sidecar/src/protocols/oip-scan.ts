import type { OipDatatype } from './types.js';
import type { OipRequest, OipTensor } from './oip.js';
import { DATATYPES, fitsDatatype, numericArray, shapeSize } from './tensor.js';

/**
 * A scanner for the common shape of OIP bodies, straight from the bytes: one object whose tensors
 * are `{name, shape, datatype, data}` with flat numeric data. It fills the typed arrays as it reads,
 * with no JSON.parse, no UTF-8 decode of the body and no JS array per tensor (the request parse
 * before forwarding was the sidecar's largest item in the per-request profile, docs/performance.md).
 *
 * It only ever answers for bodies the general path (JSON.parse, then the checks of oip.ts and
 * tensor.ts) accepts, and then with the same value; for anything else — other keys, escapes or
 * non-ASCII in strings, nested or non-numeric data, any value the general path would refuse, any
 * byte it does not expect — it answers `undefined` and the general path decides, so its answers
 * and its error messages stay the general path's (sidecar/test/protocols/oip-scan.test.ts compares
 * the two on random, edge and hostile bodies).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** Tensors per body the scanner takes on (names are checked for repeats pairwise); more go the general way. */
const MAX_TENSORS = 32;
/** As tensor.ts: deeper shapes are refused there. */
const MAX_RANK = 16;
/** Integers below this are exact doubles, and so is every product of one with a power of ten up to 1e22 (Clinger's fast path). */
const EXACT_MANTISSA = 2 ** 53;
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

// Scanner state for the body being read: the scan is synchronous and never re-entered.
let b: Buffer = Buffer.alloc(0);
let p = 0;
let end = 0;

/** Skips JSON whitespace (space, tab, line feed, carriage return: what JSON.parse skips). */
function ws(): void {
  while (p < end) {
    const c = b[p];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    p++;
  }
}

/** Expects byte `c` after optional whitespace; consumes it. */
function expect(c: number): boolean {
  ws();
  if (p < end && b[p] === c) {
    p++;
    return true;
  }
  return false;
}

/**
 * A string of printable ASCII without escapes, at p (which holds the opening quote): the end of its
 * contents (p is left after the closing quote), or -1 when it is anything else (the general path
 * decodes escapes and UTF-8, and refuses control characters).
 */
function plainString(): number {
  if (p >= end || b[p] !== QUOTE) return -1;
  let i = p + 1;
  while (i < end) {
    const c = b[i];
    if (c === QUOTE) {
      p = i + 1;
      return i;
    }
    if (c < 0x20 || c === BACKSLASH || c >= 0x80) return -1;
    i++;
  }
  return -1;
}

/**
 * The key at p (after whitespace) and its colon: a code per known key, -1 for any other key (the
 * general path then reads the body). Matched against the expected spelling in one pass, no string made.
 */
function key(): number {
  ws();
  if (p >= end || b[p] !== QUOTE) return -1;
  const s = p + 1;
  let k: number;
  let word: string;
  switch (b[s]) {
    case 0x6e: k = K_NAME; word = 'name'; break;
    case 0x73: k = K_SHAPE; word = 'shape'; break;
    case 0x64:
      if (b[s + 4] === 0x74) {
        k = K_DATATYPE;
        word = 'datatype';
      } else {
        k = K_DATA;
        word = 'data';
      }
      break;
    case 0x69:
      if (b[s + 1] === 0x64) {
        k = K_ID;
        word = 'id';
      } else {
        k = K_INPUTS;
        word = 'inputs';
      }
      break;
    case 0x6f: k = K_OUTPUTS; word = 'outputs'; break;
    case 0x6d:
      if (b[s + 6] === 0x76) {
        k = K_MODEL_VERSION;
        word = 'model_version';
      } else {
        k = K_MODEL_NAME;
        word = 'model_name';
      }
      break;
    default: return -1;
  }
  const n = word.length;
  for (let i = 1; i < n; i++) if (b[s + i] !== word.charCodeAt(i)) return -1;
  if (s + n >= end || b[s + n] !== QUOTE) return -1;
  p = s + n + 1;
  return expect(COLON) ? k : -1;
}

const K_NAME = 1;
const K_SHAPE = 2;
const K_DATATYPE = 4;
const K_DATA = 8;
const K_ID = 16;
const K_INPUTS = 32;
const K_OUTPUTS = 64;
const K_MODEL_NAME = 128;
const K_MODEL_VERSION = 256;

function same(at: number, text: string): boolean {
  for (let k = 0; k < text.length; k++) if (b[at + k] !== text.charCodeAt(k)) return false;
  return true;
}

/**
 * A JSON number at p (after whitespace): its value exactly as JSON.parse gives it, or NaN when the
 * bytes are not a JSON number (a valid one is never NaN). Short numbers (< 2^53 as digits, decimal
 * exponent within ±22) are one exact integer times or divided by an exact power of ten, which IEEE
 * rounds correctly, as JSON.parse does; longer ones are handed to Number(), which reads a JSON
 * number the same way JSON.parse does.
 */
function number(): number {
  ws();
  const start = p;
  let i = p;
  let neg = false;
  if (i < end && b[i] === MINUS) {
    neg = true;
    i++;
  }
  if (i >= end) return NaN;
  let m = 0;
  let c = b[i];
  if (c === ZERO) {
    i++;
  } else if (c > ZERO && c <= NINE) {
    while (i < end && (c = b[i]) >= ZERO && c <= NINE) {
      m = m * 10 + (c - ZERO);
      i++;
    }
  } else return NaN;
  let scale = 0;
  if (i < end && b[i] === DOT) {
    i++;
    const first = i;
    while (i < end && (c = b[i]) >= ZERO && c <= NINE) {
      m = m * 10 + (c - ZERO);
      i++;
    }
    if (i === first) return NaN;
    scale = first - i;
  }
  let exact = true;
  if (i < end && (b[i] | 0x20) === 0x65) {
    i++;
    let expNeg = false;
    if (i < end && (b[i] === MINUS || b[i] === PLUS)) {
      expNeg = b[i] === MINUS;
      i++;
    }
    const first = i;
    let exp = 0;
    while (i < end && (c = b[i]) >= ZERO && c <= NINE) {
      if (exp < 1e6) exp = exp * 10 + (c - ZERO);
      i++;
    }
    if (i === first) return NaN;
    if (exp >= 1e6) exact = false;
    scale += expNeg ? -exp : exp;
  }
  // "01" is not JSON: the next byte must not continue the number.
  if (i < end && (c = b[i]) >= ZERO && c <= NINE) return NaN;
  p = i;
  let v: number;
  if (exact && m < EXACT_MANTISSA && scale >= -22 && scale <= 22) {
    v = scale < 0 ? m / POW10[-scale] : m * POW10[scale];
    return neg ? -v : v;
  }
  v = Number(b.toString('latin1', start, i));
  return v;
}

/** A shape: an array of at most MAX_RANK non-negative integers (as checkShape accepts), or undefined. */
function shape(): number[] | undefined {
  if (!expect(OPEN_ARRAY)) return undefined;
  const out: number[] = [];
  if (expect(CLOSE_ARRAY)) return out;
  for (;;) {
    const d = number();
    if (!Number.isInteger(d) || d < 0 || out.length === MAX_RANK) return undefined;
    out.push(d);
    if (expect(COMMA)) continue;
    if (expect(CLOSE_ARRAY)) return out;
    return undefined;
  }
}

type NumericArray = Float32Array | Float64Array | Int32Array;

/**
 * Flat numeric data of `expected` values for `datatype`, checked as tensor.ts checks them, in the
 * typed array tensor.ts uses; undefined for anything else (nested, too few or many, a value refused).
 */
function data(datatype: OipDatatype, expected: number): NumericArray | undefined {
  const spec = DATATYPES[datatype];
  // Every value but the last takes two bytes at least ("1,"): a shape claiming more cannot be met by
  // this body, and the array is never allocated from a shape alone (a body of spaces cannot make the
  // scanner allocate eight bytes per space: review finding, test/regression/oip-scan-allocation).
  if (spec.array === undefined || !expect(OPEN_ARRAY) || !(2 * expected - 1 <= end - p)) return undefined;
  const out = numericArray(spec.array, expected);
  if (expect(CLOSE_ARRAY)) return expected === 0 ? out : undefined;
  const float = spec.kind === 'float';
  const min = spec.min ?? 0;
  const max = spec.max ?? 0;
  const buf = b;
  let i = p;
  let n = 0;
  for (;;) {
    // The usual value inline, in locals: digits with an optional fraction, right before `,` or `]`.
    // Anything else (whitespace, an exponent, a long mantissa, a bad token) goes through number().
    const start = i;
    let c = buf[i];
    const neg = c === MINUS;
    if (neg) c = buf[++i];
    let m = 0;
    let scale = 0;
    let plain = true;
    if (c === ZERO) c = buf[++i];
    else if (c > ZERO && c <= NINE) {
      do {
        m = m * 10 + (c - ZERO);
        c = buf[++i];
      } while (c >= ZERO && c <= NINE);
    } else plain = false;
    if (plain && c === DOT) {
      const first = ++i;
      c = buf[i];
      while (c >= ZERO && c <= NINE) {
        m = m * 10 + (c - ZERO);
        c = buf[++i];
      }
      // "1." is not JSON: number() says so.
      if (i === first) plain = false;
      scale = first - i;
    }
    let x: number;
    if (plain && (c === COMMA || c === CLOSE_ARRAY) && m < EXACT_MANTISSA && scale >= -22) {
      x = scale < 0 ? m / POW10[-scale] : m;
      if (neg) x = -x;
    } else {
      p = start;
      x = number();
      i = p;
    }
    if (n === expected) return undefined;
    if (float) {
      if (!Number.isFinite(x) || !fitsDatatype(x, datatype)) return undefined;
    } else if (!Number.isInteger(x) || x < min || x > max) return undefined;
    out[n++] = x;
    c = buf[i];
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c === CLOSE_ARRAY) {
      p = i + 1;
      return n === expected ? out : undefined;
    }
    p = i;
    if (expect(COMMA)) {
      i = p;
      continue;
    }
    if (expect(CLOSE_ARRAY)) return n === expected ? out : undefined;
    return undefined;
  }
}

/** One `{name, shape, datatype, data}` tensor with numeric data, or undefined. */
function tensor(): OipTensor | undefined {
  if (!expect(OPEN_OBJECT)) return undefined;
  let seen = 0;
  let name = '';
  let dims: number[] | undefined;
  let datatype: OipDatatype | undefined;
  let values: NumericArray | undefined;
  for (;;) {
    const k = key();
    if (k < 0 || (seen & k) !== 0) return undefined;
    seen |= k;
    ws();
    if (k === K_NAME) {
      const s = p + 1;
      const e = plainString();
      if (e <= s) return undefined;
      name = text(s, e);
    } else if (k === K_SHAPE) {
      dims = shape();
      if (dims === undefined) return undefined;
    } else if (k === K_DATATYPE) {
      const s = p + 1;
      const e = plainString();
      datatype = e < 0 ? undefined : datatypeAt(s, e - s);
      if (datatype === undefined) return undefined;
    } else if (k === K_DATA) {
      // Data after shape and datatype (how clients write it): the typed array is filled as it is read.
      if (dims === undefined || datatype === undefined) return undefined;
      values = data(datatype, shapeSize(dims));
      if (values === undefined) return undefined;
    } else return undefined;
    if (expect(COMMA)) continue;
    if (!expect(CLOSE_OBJECT) || seen !== (K_NAME | K_SHAPE | K_DATATYPE | K_DATA)) return undefined;
    return { name, shape: dims!, datatype: datatype!, data: values! };
  }
}

// Tensor names repeat from call to call: the last few are reused when their bytes match, instead
// of a new string per tensor per body.
const NAMES: string[] = ['', '', '', ''];
let nameAt = 0;

/** The (plain ASCII) bytes [s, e) as a string. */
function text(s: number, e: number): string {
  const n = e - s;
  for (let k = 0; k < NAMES.length; k++) {
    const t = NAMES[k];
    if (t.length !== n) continue;
    let i = 0;
    while (i < n && t.charCodeAt(i) === b[s + i]) i++;
    if (i === n) return t;
  }
  const t = b.toString('latin1', s, e);
  // Short names only: a long one would make every later comparison long.
  if (n <= 64) {
    NAMES[nameAt] = t;
    nameAt = (nameAt + 1) & 3;
  }
  return t;
}

/** The numeric datatypes by their bytes (BOOL and BYTES go the general way). */
function datatypeAt(s: number, n: number): OipDatatype | undefined {
  const c = b[s];
  if (n === 4 && c === 0x46 && b[s + 1] === 0x50) {
    // FP16, FP32, FP64
    if (b[s + 2] === 0x33 && b[s + 3] === 0x32) return 'FP32';
    if (b[s + 2] === 0x36 && b[s + 3] === 0x34) return 'FP64';
    if (b[s + 2] === 0x31 && b[s + 3] === 0x36) return 'FP16';
    return undefined;
  }
  for (const t of INT_TYPES) if (t.length === n && same(s, t)) return t;
  return undefined;
}

const INT_TYPES: readonly OipDatatype[] = ['INT32', 'INT64', 'INT8', 'INT16', 'UINT8', 'UINT16', 'UINT32', 'UINT64'];

/** A non-empty array of tensors with distinct names, or undefined. */
function tensors(): OipTensor[] | undefined {
  if (!expect(OPEN_ARRAY)) return undefined;
  const out: OipTensor[] = [];
  for (;;) {
    const t = tensor();
    if (t === undefined || out.length === MAX_TENSORS) return undefined;
    for (let i = 0; i < out.length; i++) if (out[i].name === t.name) return undefined;
    out.push(t);
    if (expect(COMMA)) continue;
    if (expect(CLOSE_ARRAY)) return out;
    return undefined;
  }
}

function begin(body: Buffer): boolean {
  b = body;
  p = 0;
  end = body.length;
  return expect(OPEN_OBJECT);
}

/** Nothing but whitespace after the root object; the body is let go either way. */
function finish(): boolean {
  ws();
  const done = p === end;
  b = EMPTY;
  return done;
}

const EMPTY = Buffer.alloc(0);

/**
 * An infer request `{"inputs": [...], "id"?: "..."}` with plain numeric tensors, as parseOipRequest's
 * general path would return it; undefined when the general path must decide.
 */
export function scanOipRequest(body: Buffer): OipRequest | undefined {
  try {
    if (!begin(body)) return undefined;
    let seen = 0;
    let inputs: OipTensor[] | undefined;
    let id: string | undefined;
    for (;;) {
      const k = key();
      if (k < 0 || (seen & k) !== 0) return undefined;
      seen |= k;
      ws();
      if (k === K_INPUTS) {
        inputs = tensors();
        if (inputs === undefined) return undefined;
      } else if (k === K_ID) {
        const s = p + 1;
        const e = plainString();
        if (e < 0) return undefined;
        id = b.toString('latin1', s, e);
      } else return undefined;
      if (expect(COMMA)) continue;
      if (!expect(CLOSE_OBJECT) || inputs === undefined || !finish()) return undefined;
      const req: OipRequest = { inputs };
      if (id !== undefined) req.id = id;
      return req;
    }
  } finally {
    b = EMPTY;
  }
}

/**
 * The output tensors of an infer response `{"model_name"?, "model_version"?, "id"?, "outputs": [...]}`
 * (names and ids plain strings, tensors numeric), as parseOipResponse's general path reads them;
 * undefined when the general path must decide.
 */
export function scanOipResponse(body: Buffer): OipTensor[] | undefined {
  try {
    if (!begin(body)) return undefined;
    let seen = 0;
    let outputs: OipTensor[] | undefined;
    for (;;) {
      const k = key();
      if (k < 0 || (seen & k) !== 0) return undefined;
      seen |= k;
      ws();
      if (k === K_OUTPUTS) {
        outputs = tensors();
        if (outputs === undefined) return undefined;
      } else if (k === K_MODEL_NAME || k === K_MODEL_VERSION || k === K_ID) {
        if (plainString() < 0) return undefined;
      } else return undefined;
      if (expect(COMMA)) continue;
      if (!expect(CLOSE_OBJECT) || outputs === undefined || !finish()) return undefined;
      return outputs;
    }
  } finally {
    b = EMPTY;
  }
}

/**
 * The shapes a media item arrives in from the codecs: a string (text, base64, data URL), a
 * `{b64}` object (TF Serving's binary convention), an OIP tensor slice `{data, shape}` or a
 * nested JSON array. Helpers here turn them into bytes or flat samples, within limits.
 */
export interface FlatSamples {
  data: ArrayLike<number>;
  shape: number[];
}

const DATA_URL = /^data:[^;,]*;base64,/;

/** Base64 payload of an item, or undefined when it has none. */
export function base64Of(item: unknown): string | undefined {
  let s: unknown = item;
  if (typeof item === 'object' && item !== null && !Array.isArray(item) && 'b64' in item) s = (item as { b64: unknown }).b64;
  if (typeof s !== 'string') return undefined;
  const m = DATA_URL.exec(s.slice(0, 100));
  return m ? s.slice(m[0].length) : s;
}

/** Decodes base64 only when the result fits `maxBytes` (checked on the text length, before decoding). */
export function decodeBase64(b64: string, maxBytes: number): Buffer | undefined {
  if (Math.floor((b64.length * 3) / 4) > maxBytes + 3) return undefined;
  const buf = Buffer.from(b64, 'base64');
  return buf.length > 0 ? buf : undefined;
}

function isNumberArrayLike(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) || (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number'));
}

/**
 * Flattens an item into samples plus shape: a typed/flat array (shape [n]), an OIP slice
 * `{data, shape}`, or a rectangular nested array (shape from the nesting). Undefined when the
 * item is not numeric or has more than `maxValues` values.
 */
export function samplesOf(item: unknown, maxValues: number): FlatSamples | undefined {
  if (typeof item === 'object' && item !== null && !Array.isArray(item) && 'data' in item && 'shape' in item) {
    const { data, shape } = item as { data: unknown; shape: unknown };
    if (!isNumberArrayLike(data) || !Array.isArray(shape) || data.length > maxValues) return undefined;
    return { data, shape: shape as number[] };
  }
  if (ArrayBuffer.isView(item)) {
    const a = item as unknown as ArrayLike<number>;
    return a.length > maxValues ? undefined : { data: a, shape: [a.length] };
  }
  if (!Array.isArray(item)) return undefined;
  const shape: number[] = [];
  let probe: unknown = item;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (shape.length > 4) return undefined;
    probe = probe[0];
  }
  let total = 1;
  for (const d of shape) total *= d;
  if (total > maxValues) return undefined;
  const flat = new Float64Array(total);
  let i = 0;
  const walk = (v: unknown, depth: number): boolean => {
    if (depth === shape.length) {
      if (typeof v !== 'number' || i >= total) return false;
      flat[i++] = v;
      return true;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) return false;
    for (const x of v) if (!walk(x, depth + 1)) return false;
    return true;
  };
  return walk(item, 0) && i === total ? { data: flat, shape } : undefined;
}

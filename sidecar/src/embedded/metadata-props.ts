/**
 * Reads `metadata_props` (field 14 of onnx.ModelProto) straight from the protobuf bytes.
 * onnxruntime-node does not expose them; a full protobuf decode would copy every weight.
 * This walks the top-level fields only and skips the graph without decoding it.
 */
const METADATA_PROPS = 14;

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let mult = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) return [result, pos];
    mult *= 128;
    if (mult > 2 ** 63) throw new Error('varint too long');
  }
}

function skip(buf: Uint8Array, pos: number, wire: number): number {
  switch (wire) {
    case 0: return readVarint(buf, pos)[1];
    case 1: return pos + 8;
    case 2: {
      const [len, p] = readVarint(buf, pos);
      return p + len;
    }
    case 5: return pos + 4;
    default: throw new Error(`unsupported wire type ${wire}`);
  }
}

function decodeEntry(buf: Uint8Array): [string, string] {
  const dec = new TextDecoder();
  let key = '';
  let value = '';
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p] = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 2 && (field === 1 || field === 2)) {
      const [len, start] = readVarint(buf, p);
      const s = dec.decode(buf.subarray(start, start + len));
      if (field === 1) key = s;
      else value = s;
      pos = start + len;
    } else {
      pos = skip(buf, p, wire);
    }
  }
  return [key, value];
}

/** Key/value metadata of an ONNX model file's bytes; throws on a file that is not protobuf. */
export function readMetadataProps(model: Uint8Array): Record<string, string> {
  const props: Record<string, string> = {};
  let pos = 0;
  while (pos < model.length) {
    const [tag, p] = readVarint(model, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === METADATA_PROPS && wire === 2) {
      const [len, start] = readVarint(model, p);
      const [k, v] = decodeEntry(model.subarray(start, start + len));
      props[k] = v;
      pos = start + len;
    } else {
      pos = skip(model, p, wire);
    }
    if (pos > model.length) throw new Error('truncated protobuf');
  }
  return props;
}

/** A metadata value holding a JSON array of strings (`feature_names`, `class_labels`), else undefined. */
export function stringArrayProp(props: Record<string, string>, key: string): string[] | undefined {
  const raw = props[key];
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

import type { Attributes } from '@opentelemetry/api';

/** OTLP/JSON attribute values (AnyValue): 64-bit integers as decimal strings, numbers integral or double as in protobuf. */
type JsonAnyValue = { stringValue: string } | { boolValue: boolean } | { intValue: string } | { doubleValue: number } | { arrayValue: { values: JsonAnyValue[] } } | Record<string, never>;

export function jsonAny(v: unknown): JsonAnyValue {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    default:
      if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => (x === undefined || x === null ? {} : jsonAny(x))) } };
      return { stringValue: String(v) };
  }
}

/** KeyValues as OTLP/JSON array elements, comma-separated (no brackets), undefined and null skipped. */
export function jsonKeyValues(attributes: Attributes | undefined): string {
  let out = '';
  if (!attributes) return out;
  for (const key in attributes) {
    const v = attributes[key];
    if (v === undefined || v === null) continue;
    if (out !== '') out += ',';
    out += `{"key":${JSON.stringify(key)},"value":${typeof v === 'string' ? `{"stringValue":${JSON.stringify(v)}}` : JSON.stringify(jsonAny(v))}}`;
  }
  return out;
}


/**
 * The prediction record: what the sidecar keeps of one answered row, after its privacy rules,
 * and what the collector stores, joins labels to and exports. One record per row: a request of
 * N rows answered under prediction id P yields records `P` (N = 1) or `P:0` … `P:N-1`.
 */

/** A value kept from an input or output field once the privacy rules ran. */
export type RecordValue = string | number | boolean | null;

export interface PredictionRecord {
  /** The prediction id (header `x-modelwatch-prediction-id`), or `<id>:<row>` for a batch row. */
  id: string;
  /** When the answer was produced, ISO 8601. */
  time: string;
  model: string;
  /** model_version of the answering model. */
  version: string;
  variant: string;
  stage: string;
  pipeline?: string;
  /**
   * The primary answer the label is compared with: a class (string) for classifiers, a number for
   * regression, null when the model gave none.
   */
  prediction: string | number | null;
  /** Every monitored output of the row (name → value), when the sidecar records outputs. */
  outputs?: Record<string, RecordValue>;
  /** Highest class probability, 0 to 1, when the model reports one. */
  confidence?: number;
  /** Inputs as monitored, after privacy rules; only present for the sampled input share. */
  inputs?: Record<string, RecordValue>;
  /** W3C trace id of the request, linking the record to its trace. */
  traceId?: string;
  /** Subject key (keyed hash of the configured subject field) used for erasure on request. */
  subject?: string;
}

/** Bounds on one record: a record can never make the collector store unbounded data. */
export const RECORD_LIMITS = {
  idLength: 128,
  nameLength: 256,
  /** Fields in `inputs` or `outputs`. */
  fields: 512,
  /** Characters of one string value (longer free text is cut by the sidecar before it leaves). */
  valueLength: 4096,
  subjectLength: 128,
  /** Records per ingest batch. */
  batch: 10_000,
} as const;

/** Prediction ids and client request ids: printable, no separators that would break a CSV or a header. */
export const PREDICTION_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;

export function isPredictionId(text: string): boolean {
  return PREDICTION_ID.test(text);
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkString(where: string, v: unknown, max: number): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) return `${where} must be a non-empty string of at most ${max} characters`;
  return undefined;
}

function checkValues(where: string, v: unknown): string | Record<string, RecordValue> {
  if (!isObject(v)) return `${where} must be an object of field → value`;
  const keys = Object.keys(v);
  if (keys.length > RECORD_LIMITS.fields) return `${where} has ${keys.length} fields; at most ${RECORD_LIMITS.fields}`;
  for (const k of keys) {
    if (k.length > RECORD_LIMITS.nameLength) return `${where} has a field name longer than ${RECORD_LIMITS.nameLength} characters`;
    const x = v[k];
    if (x === null || typeof x === 'boolean') continue;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) return `${where}.${k} must be a finite number`;
      continue;
    }
    if (typeof x === 'string') {
      if (x.length > RECORD_LIMITS.valueLength) return `${where}.${k} is longer than ${RECORD_LIMITS.valueLength} characters`;
      continue;
    }
    return `${where}.${k} must be a string, number, boolean or null`;
  }
  return v as Record<string, RecordValue>;
}

/** Validates one untrusted record; `model` is the model of the URL it was posted to. */
export function checkPredictionRecord(raw: unknown, model: string, where = 'record'): Checked<PredictionRecord> {
  const fail = (error: string): Checked<PredictionRecord> => ({ ok: false, error });
  if (!isObject(raw)) return fail(`${where} must be an object`);
  if (typeof raw.id !== 'string' || !isPredictionId(raw.id)) {
    return fail(`${where}.id must be 1-128 of A-Z a-z 0-9 . _ : @ / + = - starting with a letter or digit`);
  }
  if (raw.model !== model) return fail(`${where}.model "${String(raw.model).slice(0, 140)}" does not match the URL's model "${model}"`);
  const time = typeof raw.time === 'string' ? Date.parse(raw.time) : NaN;
  if (!Number.isFinite(time)) return fail(`${where}.time must be an ISO 8601 timestamp`);
  for (const key of ['version', 'variant', 'stage'] as const) {
    const e = checkString(`${where}.${key}`, raw[key], RECORD_LIMITS.nameLength);
    if (e) return fail(e);
  }
  if (raw.pipeline !== undefined) {
    const e = checkString(`${where}.pipeline`, raw.pipeline, RECORD_LIMITS.nameLength);
    if (e) return fail(e);
  }
  const p = raw.prediction;
  if (!(p === null || (typeof p === 'number' && Number.isFinite(p)) || (typeof p === 'string' && p.length <= RECORD_LIMITS.nameLength))) {
    return fail(`${where}.prediction must be a class (string), a finite number or null`);
  }
  if (raw.confidence !== undefined && !(typeof raw.confidence === 'number' && raw.confidence >= 0 && raw.confidence <= 1)) {
    return fail(`${where}.confidence must be a number from 0 to 1`);
  }
  if (raw.traceId !== undefined && !(typeof raw.traceId === 'string' && /^[0-9a-f]{32}$/.test(raw.traceId))) {
    return fail(`${where}.traceId must be 32 lowercase hex digits`);
  }
  if (raw.subject !== undefined) {
    const e = checkString(`${where}.subject`, raw.subject, RECORD_LIMITS.subjectLength);
    if (e) return fail(e);
  }
  const out: PredictionRecord = {
    id: raw.id,
    time: new Date(time).toISOString(),
    model,
    version: raw.version as string,
    variant: raw.variant as string,
    stage: raw.stage as string,
    prediction: p as string | number | null,
  };
  if (raw.pipeline !== undefined) out.pipeline = raw.pipeline as string;
  for (const key of ['outputs', 'inputs'] as const) {
    if (raw[key] === undefined) continue;
    const v = checkValues(`${where}.${key}`, raw[key]);
    if (typeof v === 'string') return fail(v);
    out[key] = v;
  }
  if (raw.confidence !== undefined) out.confidence = raw.confidence as number;
  if (raw.traceId !== undefined) out.traceId = raw.traceId as string;
  if (raw.subject !== undefined) out.subject = raw.subject as string;
  return { ok: true, value: out };
}

/** Validates an ingest body `{ records: [...] }`; the first bad record names itself. */
export function checkPredictionBatch(body: unknown, model: string): Checked<PredictionRecord[]> {
  if (!isObject(body) || !Array.isArray(body.records)) return { ok: false, error: 'body must be {"records": [...]}' };
  if (body.records.length > RECORD_LIMITS.batch) {
    return { ok: false, error: `${body.records.length} records in one batch; at most ${RECORD_LIMITS.batch}` };
  }
  const out: PredictionRecord[] = [];
  for (let i = 0; i < body.records.length; i++) {
    const c = checkPredictionRecord(body.records[i], model, `records[${i}]`);
    if (!c.ok) return c;
    out.push(c.value);
  }
  return { ok: true, value: out };
}

import { preview, type PushedWindow, type WindowFeatureCounts } from '@modelwatch/core';

/** Bounds on a pushed window: one push can never make the collector store or sum unbounded data. */
export const PUSH_LIMITS = {
  features: 2_000,
  bins: 1_000,
  sourceLength: 128,
  nameLength: 256,
  /** Rows one sidecar can plausibly serve per second of a window (an order above the fastest seen). */
  rowsPerSecond: 1_000_000,
  /** Longest window: a push interval is at most a day; a week leaves room for a stalled timer. */
  windowMs: 7 * 86_400_000,
  /** How far a window's end may be ahead of the collector's clock (clock skew). */
  futureSkewMs: 5 * 60_000,
} as const;

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Counts of a window are whole numbers of observations. */
function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function checkCounts(where: string, raw: unknown, isOutput: boolean): string | WindowFeatureCounts & { output?: string; role?: string } {
  if (!isRecord(raw)) return `${where} must be an object`;
  if (typeof raw.name !== 'string' || raw.name.length === 0 || raw.name.length > PUSH_LIMITS.nameLength) {
    return `${where}.name must be a non-empty string of at most ${PUSH_LIMITS.nameLength} characters`;
  }
  if (raw.type !== 'numeric' && raw.type !== 'categorical') return `${where}.type must be "numeric" or "categorical"`;
  if (!Array.isArray(raw.counts) || raw.counts.length === 0 || raw.counts.length > PUSH_LIMITS.bins) {
    return `${where}.counts must be an array of 1 to ${PUSH_LIMITS.bins} counts`;
  }
  const bad = raw.counts.findIndex((c) => !isCount(c));
  if (bad >= 0) return `${where}.counts[${bad}] must be an integer >= 0`;
  if (!isCount(raw.missing)) return `${where}.missing must be an integer >= 0`;
  const out: WindowFeatureCounts & { output?: string; role?: string } = {
    name: raw.name,
    type: raw.type,
    counts: raw.counts as number[],
    missing: raw.missing,
  };
  if (isOutput) {
    if (typeof raw.output !== 'string' || raw.output.length === 0 || raw.output.length > PUSH_LIMITS.nameLength) {
      return `${where}.output must be a non-empty string`;
    }
    if (raw.role !== 'prediction' && raw.role !== 'confidence') return `${where}.role must be "prediction" or "confidence"`;
    out.output = raw.output;
    out.role = raw.role;
  }
  return out;
}

function total(c: WindowFeatureCounts): number {
  let sum = c.missing;
  for (const n of c.counts) sum += n;
  return sum;
}

/**
 * Validates an untrusted push body; the error says which field is wrong and what would be valid.
 * Beyond shape, a window must be consistent (issue 12, item 4): it ends no later than a few
 * minutes from now, lasts at most a week, holds no more rows than a sidecar can serve in its
 * duration, and no input feature counts more values than the window has rows (every row gives a
 * feature one value or one missing). Outputs are only bounded by the same rate: an answer can land
 * in the window after the one that counted its request.
 */
export function validatePushedWindow(body: unknown, model: string, now: number = Date.now()): Validation<PushedWindow> {
  if (!isRecord(body)) return { ok: false, error: 'body must be a JSON object (a PushedWindow)' };
  if (typeof body.source !== 'string' || body.source.length === 0 || body.source.length > PUSH_LIMITS.sourceLength) {
    return { ok: false, error: `source must be a non-empty string of at most ${PUSH_LIMITS.sourceLength} characters` };
  }
  if (typeof body.seq !== 'number' || !Number.isSafeInteger(body.seq) || body.seq < 0) {
    return { ok: false, error: 'seq must be an integer >= 0' };
  }
  if (body.model !== model) return { ok: false, error: `model ${preview(body.model)} does not match the URL's model "${model}"` };
  const start = typeof body.start === 'string' ? Date.parse(body.start) : NaN;
  const end = typeof body.end === 'string' ? Date.parse(body.end) : NaN;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return { ok: false, error: 'start and end must be ISO 8601 timestamps' };
  if (end < start) return { ok: false, error: 'end must not be before start' };
  if (end > now + PUSH_LIMITS.futureSkewMs) return { ok: false, error: `end ${new Date(end).toISOString()} is in the future` };
  if (end - start > PUSH_LIMITS.windowMs) return { ok: false, error: `the window lasts ${Math.round((end - start) / 3_600_000)} h; at most ${PUSH_LIMITS.windowMs / 3_600_000} h` };
  if (!isCount(body.rows)) return { ok: false, error: 'rows must be an integer >= 0' };
  const maxRows = PUSH_LIMITS.rowsPerSecond * Math.max(1, Math.ceil((end - start) / 1000));
  if (body.rows > maxRows) return { ok: false, error: `rows ${body.rows} is more than a sidecar can serve in the window (at most ${maxRows})` };
  if (body.variant !== undefined && (typeof body.variant !== 'string' || !/^[A-Za-z0-9_.:\-/]{1,128}$/.test(body.variant))) {
    return { ok: false, error: 'variant must be 1-128 characters from [A-Za-z0-9_.:-/] when given' };
  }
  for (const opt of ['modelVersion', 'baselineVersion'] as const) {
    if (body[opt] !== undefined && (typeof body[opt] !== 'string' || (body[opt] as string).length > PUSH_LIMITS.nameLength)) {
      return { ok: false, error: `${opt} must be a string when given` };
    }
  }
  const lists: Record<'features' | 'outputs', unknown[]> = { features: [], outputs: [] };
  for (const key of ['features', 'outputs'] as const) {
    const raw = body[key] ?? (key === 'outputs' ? [] : undefined);
    if (!Array.isArray(raw) || raw.length > PUSH_LIMITS.features) {
      return { ok: false, error: `${key} must be an array of at most ${PUSH_LIMITS.features} entries` };
    }
    const names = new Set<string>();
    for (let i = 0; i < raw.length; i++) {
      const checked = checkCounts(`${key}[${i}]`, raw[i], key === 'outputs');
      if (typeof checked === 'string') return { ok: false, error: checked };
      if (names.has(checked.name)) return { ok: false, error: `${key}[${i}].name "${checked.name}" appears twice` };
      const values = total(checked);
      if (key === 'features' && values > body.rows) {
        return { ok: false, error: `${key}[${i}] counts ${values} values (bins + missing) in a window of ${body.rows} rows` };
      }
      if (values > maxRows) return { ok: false, error: `${key}[${i}] counts ${values} values, more than a sidecar can serve in the window (at most ${maxRows})` };
      names.add(checked.name);
      lists[key].push(checked);
    }
  }
  return {
    ok: true,
    value: {
      source: body.source,
      seq: body.seq,
      model,
      ...(body.modelVersion !== undefined ? { modelVersion: body.modelVersion as string } : {}),
      ...(body.variant !== undefined ? { variant: body.variant as string } : {}),
      ...(body.baselineVersion !== undefined ? { baselineVersion: body.baselineVersion as string } : {}),
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      rows: body.rows,
      features: lists.features as PushedWindow['features'],
      outputs: lists.outputs as PushedWindow['outputs'],
    },
  };
}

import { ErrorReason, preview as boundedPreview, type ErrorReasonValue } from '@modelwatch/core';
import type { Parsed } from './types.js';

/** Small constructors so every codec reports failures the same way (400 + a counted reason). */
export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function invalid<T>(reason: ErrorReasonValue, message: string, status = 400): Parsed<T> {
  return { ok: false, kind: 'invalid', status, reason, message };
}

export function unmonitorable<T>(reason: string): Parsed<T> {
  return { ok: false, kind: 'unmonitorable', reason };
}

/** Re-types a failure so it can be returned from a function of another result type. */
export function fail<T>(failure: Exclude<Parsed<unknown>, { ok: true }>): Parsed<T> {
  return failure;
}

/**
 * Parses a JSON body. JSON cannot carry NaN/Infinity literals, but a huge exponent (`1e999`)
 * parses to Infinity: callers check finiteness where numbers are expected.
 */
export function parseJsonBody(body: Buffer | string, what = 'request body'): Parsed<unknown> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') return invalid(ErrorReason.malformedJson, `${what} is empty; expected JSON`);
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : 'unparseable';
    return invalid(ErrorReason.malformedJson, `${what} is not valid JSON: ${detail}`);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Renders a value for an error message without echoing a large (or deeply nested) payload back. */
export function preview(v: unknown): string {
  return boundedPreview(v, 40);
}

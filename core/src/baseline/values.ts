/**
 * How raw cell values become numbers or categories. One definition for the profiler, the window
 * binner and the readers, so "missing" means the same thing everywhere.
 */
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none']);

/** A finite number, or undefined for missing/unparseable values (NaN, ±Infinity, '', 'NA', objects). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    // Fast path for the common case (a plain number, as CSV cells are): no trim, no lower-casing.
    const len = value.length;
    if (len > 0 && value.charCodeAt(0) > 32 && value.charCodeAt(len - 1) > 32) {
      const n = +value;
      if (n - n === 0) return n; // finite
    }
    const t = value.trim();
    if (t === '' || MISSING_TOKENS.has(t.toLowerCase())) return undefined;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** True when a value would count as missing whatever the feature type. */
export function isMissing(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value === 'string') return MISSING_TOKENS.has(value.trim().toLowerCase());
  return false;
}

/** A category string, or undefined when missing. */
export function toCategory(value: unknown): string | undefined {
  if (isMissing(value)) return undefined;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'object') return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

/** True when a non-missing value reads as a number (type inference). */
export function looksNumeric(value: unknown): boolean {
  return !isMissing(value) && toNumber(value) !== undefined;
}

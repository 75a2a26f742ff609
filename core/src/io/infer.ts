/**
 * Type inference: a column is numeric when every non-missing value in the sample reads as a
 * finite number, categorical otherwise (strings, booleans). Explicit overrides always win.
 */
import type { FeatureType } from '../baseline/profile.js';
import { isMissing, looksNumeric } from '../baseline/values.js';

export interface ColumnSpec {
  name: string;
  type: FeatureType;
}

/** Rows sampled for inference before the profiler commits to a column list and types. */
export const INFER_SAMPLE_ROWS = 1000;

export function inferColumnTypes(
  sample: readonly Record<string, unknown>[],
  overrides: Record<string, FeatureType> = {},
): ColumnSpec[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of sample) {
    for (const k of Object.keys(row)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  return names.map((name) => ({ name, type: overrides[name] ?? inferType(sample.map((r) => r[name])) }));
}

export function inferType(values: readonly unknown[]): FeatureType {
  let numeric = 0;
  for (const v of values) {
    if (isMissing(v)) continue;
    if (typeof v === 'boolean' || !looksNumeric(v)) return 'categorical';
    numeric++;
  }
  return numeric > 0 ? 'numeric' : 'categorical';
}

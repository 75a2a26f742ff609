/**
 * Values → bin/category indices, with the profile's bin convention (see profile.ts). Used by the
 * profiler's second pass, the window binner and `binCounts`.
 */
import { OTHER_CATEGORY } from '../contract/labels.js';
import type { FeatureProfile, NumericFeatureProfile, CategoricalFeatureProfile } from './profile.js';
import type { WindowFeatureCounts } from '../drift/types.js';
import { toCategory, toNumber } from './values.js';

/** Index of the bin holding x: the first i with x ≤ edges[i], else edges.length (the open top bin). */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Category → index in the table, `__other__` (last index) for anything else. Built once per profile. */
export function categoryIndex(feature: CategoricalFeatureProfile): Map<string, number> {
  const map = new Map<string, number>();
  feature.categories.forEach((c, i) => map.set(c.value, i));
  return map;
}

/** Counts of `values` in the feature's bins (numeric) or table + other (categorical). */
export function binCounts(feature: FeatureProfile, values: Iterable<unknown>): WindowFeatureCounts {
  return feature.type === 'numeric' ? numericCounts(feature, values) : categoricalCounts(feature, values);
}

function numericCounts(feature: NumericFeatureProfile, values: Iterable<unknown>): WindowFeatureCounts {
  const counts = new Array<number>(feature.bins.edges.length + 1).fill(0);
  let missing = 0;
  for (const v of values) {
    const x = toNumber(v);
    if (x === undefined) missing++;
    else counts[binIndex(feature.bins.edges, x)]!++;
  }
  return { name: feature.name, type: 'numeric', counts, missing };
}

function categoricalCounts(feature: CategoricalFeatureProfile, values: Iterable<unknown>): WindowFeatureCounts {
  const index = categoryIndex(feature);
  const other = feature.categories.length;
  const counts = new Array<number>(other + 1).fill(0);
  let missing = 0;
  for (const v of values) {
    const c = toCategory(v);
    if (c === undefined) missing++;
    else counts[c === OTHER_CATEGORY ? other : (index.get(c) ?? other)]!++;
  }
  return { name: feature.name, type: 'categorical', counts, missing };
}

/** Baseline counts of a feature in the same layout as window counts. */
export function baselineCounts(feature: FeatureProfile): number[] {
  return feature.type === 'numeric' ? feature.bins.counts : [...feature.categories.map((c) => c.count), feature.otherCount];
}

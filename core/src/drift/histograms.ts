/**
 * Baseline and window histograms side by side, for presenting a drift report (the HTML report).
 * Computing only: from a profile and a window of counts, or from raw values (raw-drift.ts).
 */
import type { BaselineProfile, FeatureProfile } from '../baseline/profile.js';
import { baselineCounts } from '../baseline/binning.js';
import { OTHER_CATEGORY } from '../contract/labels.js';
import type { LiveWindow, WindowFeatureCounts } from './types.js';

export type FeatureHistogram =
  | { feature: string; type: 'numeric'; /** Bin edges; counts have edges.length + 1 bins (outer bins open). */ edges: number[]; baseline: number[]; window: number[] }
  | { feature: string; type: 'categorical'; categories: string[]; baseline: number[]; window: number[] };

function histogramOf(f: FeatureProfile, w: WindowFeatureCounts | undefined): FeatureHistogram {
  const baseline = baselineCounts(f);
  const window = w && w.counts.length === baseline.length ? w.counts.slice() : new Array<number>(baseline.length).fill(0);
  if (f.type === 'numeric') return { feature: f.name, type: 'numeric', edges: f.bins.edges.slice(), baseline, window };
  return { feature: f.name, type: 'categorical', categories: [...f.categories.map((c) => c.value), OTHER_CATEGORY], baseline, window };
}

/** Histograms of every input feature and output of the baseline against a window of counts. */
export function profileHistograms(baseline: BaselineProfile, window: LiveWindow): FeatureHistogram[] {
  const byName = new Map(window.features.map((f) => [f.name, f]));
  const outByName = new Map(window.outputs.map((o) => [`${o.output ?? o.name}\u0000${o.role}`, o]));
  return [
    ...baseline.features.map((f) => histogramOf(f, byName.get(f.name))),
    ...baseline.outputs.map((o) => histogramOf(o, outByName.get(`${o.output}\u0000${o.role}`))),
  ];
}

/**
 * Merging profiles of parts of one data set (profiled in parallel or over time).
 * Exact: rows, count, missing, min, max, mean, std (Chan et al.'s parallel moments), the KLL
 * sketch (a KLL merge is itself a valid sketch of the union), category counts of values present
 * in both tables, and — when both parts share bin edges (profile part B with part A's edges, or
 * identical data ranges) — bin and chunk counts.
 * Approximate: when edges differ, new equal-frequency edges come from the merged sketch and bin
 * counts are re-estimated from it (sketch rank error), and chunks are dropped (they cannot be
 * re-binned without the data); categories: a value in one part's table but in the other's
 * `__other__` is undercounted by at most that part's otherCount.
 */
import { BASELINE_SCHEMA, type BaselineProfile, type CategoricalFeatureProfile, type FeatureProfile, type NumericFeatureProfile, type OutputProfile } from './profile.js';
import { KllSketch, type KllSketchData } from './sketch.js';
import { countsFromSketch, equalFrequencyEdges } from './accumulators.js';

export function mergeProfiles(a: BaselineProfile, b: BaselineProfile): BaselineProfile {
  if (a.model !== b.model) throw new Error(`mergeProfiles: models differ ("${a.model}" vs "${b.model}")`);
  const sameEdges = [...a.features, ...a.outputs].every((f) => {
    const g = [...b.features, ...b.outputs].find((x) => x.name === f.name);
    return g && sameBins(f, g);
  });
  const features = mergeLists(a.features, b.features, sameEdges);
  const outputs = mergeLists(a.outputs, b.outputs, sameEdges).map((f) => {
    const src = (a.outputs.find((o) => o.name === f.name) ?? b.outputs.find((o) => o.name === f.name))!;
    return { ...f, output: src.output, role: src.role } as OutputProfile;
  });
  return {
    schema: BASELINE_SCHEMA,
    model: a.model,
    createdAt: new Date().toISOString(),
    rows: a.rows + b.rows,
    features,
    outputs,
    chunks: sameEdges ? [...a.chunks, ...b.chunks] : [],
    metadata: { ...a.metadata, ...b.metadata, merged: 'true', binning: sameEdges ? (a.metadata?.binning ?? 'exact') : 'sketch' },
  };
}

function sameBins(f: FeatureProfile, g: FeatureProfile): boolean {
  if (f.type !== g.type) return false;
  if (f.type === 'numeric' && g.type === 'numeric') {
    return f.bins.edges.length === g.bins.edges.length && f.bins.edges.every((e, i) => e === g.bins.edges[i]);
  }
  const fc = (f as CategoricalFeatureProfile).categories;
  const gc = (g as CategoricalFeatureProfile).categories;
  return fc.length === gc.length && fc.every((c, i) => c.value === gc[i]!.value);
}

function mergeLists<T extends FeatureProfile>(as: T[], bs: T[], sameEdges: boolean): FeatureProfile[] {
  const names = [...new Set([...as.map((f) => f.name), ...bs.map((f) => f.name)])];
  return names.map((n) => {
    const f = as.find((x) => x.name === n);
    const g = bs.find((x) => x.name === n);
    if (!f || !g) return (f ?? g)!;
    if (f.type !== g.type) throw new Error(`mergeProfiles: feature "${n}" is ${f.type} in one part and ${g.type} in the other`);
    return f.type === 'numeric'
      ? mergeNumeric(f, g as unknown as NumericFeatureProfile, sameEdges)
      : mergeCategorical(f, g as unknown as CategoricalFeatureProfile, sameEdges);
  });
}

function mergeNumeric(f: NumericFeatureProfile, g: NumericFeatureProfile, sameEdges: boolean): NumericFeatureProfile {
  const n = f.count + g.count;
  if (f.count === 0 || g.count === 0) {
    const src = f.count === 0 ? g : f;
    const other = f.count === 0 ? f : g;
    const bins = sameEdges ? { edges: src.bins.edges, counts: src.bins.counts.map((c, i) => c + (other.bins.counts[i] ?? 0)) } : src.bins;
    return { ...src, missing: f.missing + g.missing, bins };
  }
  const delta = g.mean - f.mean;
  const mean = f.mean + (delta * g.count) / n;
  const m2 = f.std ** 2 * f.count + g.std ** 2 * g.count + (delta * delta * f.count * g.count) / n;
  const sketch = KllSketch.fromData(f.sketch as KllSketchData);
  sketch.merge(KllSketch.fromData(g.sketch as KllSketchData));
  let bins = f.bins;
  if (sameEdges) bins = { edges: f.bins.edges, counts: f.bins.counts.map((c, i) => c + g.bins.counts[i]!) };
  else {
    const edges = equalFrequencyEdges(sketch, Math.max(1, f.bins.edges.length - 1));
    bins = { edges, counts: countsFromSketch(sketch, edges) };
  }
  return {
    ...f,
    count: n,
    missing: f.missing + g.missing,
    min: Math.min(f.min, g.min),
    max: Math.max(f.max, g.max),
    mean,
    std: Math.sqrt(m2 / n),
    bins,
    sketch: sketch.toData(),
  };
}

function mergeCategorical(f: CategoricalFeatureProfile, g: CategoricalFeatureProfile, sameTables: boolean): CategoricalFeatureProfile {
  if (sameTables) {
    // Same table in the same order: chunk counts stay aligned, so keep the order.
    const categories = f.categories.map((c, i) => ({ value: c.value, count: c.count + g.categories[i]!.count }));
    return { ...f, count: f.count + g.count, missing: f.missing + g.missing, categories, otherCount: f.otherCount + g.otherCount };
  }
  const k = Math.max(f.categories.length, g.categories.length);
  const counts = new Map<string, number>();
  for (const c of [...f.categories, ...g.categories]) counts.set(c.value, (counts.get(c.value) ?? 0) + c.count);
  const categories = [...counts.entries()]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, k)
    .map(([value, count]) => ({ value, count }));
  const count = f.count + g.count;
  return { ...f, count, missing: f.missing + g.missing, categories, otherCount: count - categories.reduce((s, c) => s + c.count, 0) };
}

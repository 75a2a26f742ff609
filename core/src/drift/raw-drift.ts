/**
 * Drift of two raw files (`modelwatch drift --reference train.csv --data window.csv`), as
 * Evidently compares two tables: the statistics run on the raw values, so KS equals SciPy's
 * `ks_2samp` (default method 'auto') and Wasserstein equals `wasserstein_distance` divided by the
 * reference's standard deviation. Methods that only exist on histograms (PSI, Jensen–Shannon,
 * Hellinger, L∞, chi-square) use the reference's equal-frequency bins. The same thresholds,
 * directions and precedence as the baseline engine (options.ts); no chunk calibration here.
 */
import type { FeatureType } from '../baseline/profile.js';
import { binIndex } from '../baseline/binning.js';
import { toCategory, toNumber } from '../baseline/values.js';
import { DEFAULT_BINS } from '../baseline/builder.js';
import { OTHER_CATEGORY } from '../contract/labels.js';
import { ks2samp, wasserstein } from '../stats/samples.js';
import { lInfinity } from '../stats/binned.js';
import { driftMethod, isDrift } from './registry.js';
import { DRIFT_DEFAULTS, resolveMethod, resolveThreshold, type DriftOptions } from './options.js';
import type { DriftReport, FeatureDriftResult } from './types.js';
import type { FeatureHistogram } from './histograms.js';

export interface RawColumn {
  name: string;
  type: FeatureType;
  /** Numeric: the non-missing values. */
  values?: Float64Array;
  /** Categorical: count per value. */
  categories?: Map<string, number>;
  missing: number;
}

export interface RawTable {
  rows: number;
  columns: RawColumn[];
}

/** Top categories kept in a categorical histogram (the rest is `__other__`). */
const TOP_CATEGORIES = 50;

function meanStd(xs: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i]!;
  mean /= xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i]! - mean) ** 2;
  return Math.sqrt(ss / xs.length);
}

/** Equal-frequency inner edges of the sorted reference (min and max included), duplicates dropped. */
function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const edges: number[] = [];
  for (let k = 0; k <= bins; k++) {
    const e = sorted[Math.min(sorted.length - 1, Math.floor((k / bins) * (sorted.length - 1)))]!;
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges;
}

function countsOn(edges: readonly number[], xs: Float64Array): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < xs.length; i++) counts[binIndex(edges, xs[i]!)]!++;
  return counts;
}

/** Histograms of both sides over the reference's bins (numeric) or top categories (categorical). */
export function rawHistogram(ref: RawColumn, cur: RawColumn, bins = DEFAULT_BINS): FeatureHistogram {
  if (ref.type === 'numeric') {
    const sorted = Float64Array.from(ref.values ?? []).sort();
    const edges = sorted.length > 0 ? quantileEdges(sorted, bins) : [];
    return { feature: ref.name, type: 'numeric', edges, baseline: countsOn(edges, sorted), window: countsOn(edges, cur.values ?? new Float64Array()) };
  }
  const top = [...(ref.categories ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP_CATEGORIES).map(([v]) => v);
  const index = new Map(top.map((v, i) => [v, i]));
  const tally = (m: Map<string, number> | undefined) => {
    const counts = new Array<number>(top.length + 1).fill(0);
    for (const [v, c] of m ?? []) counts[index.get(v) ?? top.length]! += c;
    return counts;
  };
  return { feature: ref.name, type: 'categorical', categories: [...top, OTHER_CATEGORY], baseline: tally(ref.categories), window: tally(cur.categories) };
}

function sizeOf(c: RawColumn): number {
  if (c.type === 'numeric') return c.values?.length ?? 0;
  let n = 0;
  for (const v of c.categories?.values() ?? []) n += v;
  return n;
}

function featureResult(ref: RawColumn, cur: RawColumn | undefined, options: DriftOptions, histogram: FeatureHistogram): FeatureDriftResult {
  const windowSamples = cur ? sizeOf(cur) : 0;
  const baselineSamples = sizeOf(ref);
  let methodName = resolveMethod(ref.name, ref.type, windowSamples, options);
  let method = driftMethod(methodName);
  let note: string | undefined;
  if (!method.types.includes(ref.type)) {
    note = `${methodName} does not apply to ${ref.type} features; used the default method`;
    methodName = resolveMethod(ref.name, ref.type, windowSamples, {});
    method = driftMethod(methodName);
  }
  const { threshold, source } = resolveThreshold(ref.name, ref.type, method, undefined, options);
  const result: FeatureDriftResult = {
    feature: ref.name,
    kind: 'input',
    method: methodName,
    score: null,
    threshold,
    thresholdSource: source,
    direction: method.direction,
    verdict: 'insufficient_data',
    baselineSamples,
    windowSamples,
  };
  const minSamples = options.minSamples ?? DRIFT_DEFAULTS.minSamples;
  if (!cur) result.note = `no column ${ref.name} in the data`;
  else if (cur.type !== ref.type) result.note = `${ref.name} is ${ref.type} in the reference and ${cur.type} in the data`;
  else if (baselineSamples === 0) result.note = 'the reference has no non-missing values for this feature';
  else if (windowSamples < minSamples) result.note = `data has ${windowSamples} values, fewer than the ${minSamples} needed for a verdict`;
  if (result.note) return result;
  let score: number;
  let pValue: number | undefined;
  if (methodName === 'ks') {
    const r = ks2samp(ref.values!, cur!.values!);
    score = r.pValue;
    pValue = r.pValue;
  } else if (methodName === 'wasserstein') {
    // Evidently's normed Wasserstein: the distance in units of the reference's std (population).
    score = wasserstein(ref.values!, cur!.values!) / Math.max(meanStd(ref.values!), 1e-9);
  } else {
    const edges = histogram.type === 'numeric' ? histogram.edges : [];
    const r = method.score({ baseline: histogram.baseline, window: histogram.window, edges, std: ref.type === 'numeric' ? meanStd(ref.values!) : 0 });
    score = r.score;
    pValue = r.pValue;
  }
  if (!Number.isFinite(score)) {
    result.note = `${methodName} is undefined for these values`;
    return result;
  }
  result.score = score;
  if (pValue !== undefined) result.pValue = pValue;
  result.verdict = isDrift(method.direction, score, threshold) ? 'drift' : 'no_drift';
  if (note) result.note = note;
  return result;
}

function missingResult(ref: RawColumn, cur: RawColumn, refRows: number, curRows: number, options: DriftOptions): FeatureDriftResult {
  const threshold = options.missingRateThreshold ?? DRIFT_DEFAULTS.missingRateThreshold;
  const minSamples = options.minSamples ?? DRIFT_DEFAULTS.minSamples;
  const result: FeatureDriftResult = {
    feature: ref.name,
    kind: 'missing_rate',
    method: 'linf',
    score: null,
    threshold,
    thresholdSource: options.missingRateThreshold !== undefined ? 'global' : 'default',
    direction: 'higher_is_drift',
    verdict: 'insufficient_data',
    baselineSamples: refRows,
    windowSamples: curRows,
  };
  if (curRows < minSamples || refRows === 0) {
    result.note = `data has ${curRows} rows, fewer than the ${minSamples} needed for a verdict`;
    return result;
  }
  result.score = lInfinity([refRows - ref.missing, ref.missing], [curRows - cur.missing, cur.missing]);
  result.verdict = result.score > threshold ? 'drift' : 'no_drift';
  return result;
}

export interface RawDriftResult {
  report: DriftReport;
  histograms: FeatureHistogram[];
}

export function computeRawDrift(reference: RawTable, current: RawTable, options: DriftOptions = {}, meta: { model?: string; window?: string } = {}): RawDriftResult {
  const curByName = new Map(current.columns.map((c) => [c.name, c]));
  const results: FeatureDriftResult[] = [];
  const histograms: FeatureHistogram[] = [];
  for (const ref of reference.columns) {
    const cur = curByName.get(ref.name);
    const histogram = rawHistogram(ref, cur && cur.type === ref.type ? cur : { ...ref, values: new Float64Array(), categories: new Map(), missing: 0 });
    histograms.push(histogram);
    results.push(featureResult(ref, cur, options, histogram));
    if (cur && cur.type === ref.type) results.push(missingResult(ref, cur, reference.rows, current.rows, options));
  }
  const judged = results.filter((r) => r.kind === 'input' && r.verdict !== 'insufficient_data');
  const drifted = judged.filter((r) => r.verdict === 'drift').length;
  const driftedShare = judged.length === 0 ? 0 : drifted / judged.length;
  const datasetDriftThreshold = options.datasetDriftShare ?? DRIFT_DEFAULTS.datasetDriftShare;
  const datasetDrift = judged.length > 0 && driftedShare >= datasetDriftThreshold;
  const now = new Date().toISOString();
  return {
    report: {
      model: meta.model ?? 'reference',
      window: meta.window ?? 'batch',
      start: now,
      end: now,
      features: results,
      driftedShare,
      datasetDrift,
      datasetDriftThreshold,
      verdict: judged.length === 0 ? 'insufficient_data' : datasetDrift ? 'drift' : 'no_drift',
      windowRows: current.rows,
      minSamples: options.minSamples ?? DRIFT_DEFAULTS.minSamples,
    },
    histograms,
  };
}

/** Collects raw columns from batches of a table (see io/raw-table.ts). */
export class RawTableBuilder {
  private readonly columns = new Map<string, { type: FeatureType; values: number[]; chunks: Float64Array[]; categories: Map<string, number>; missing: number }>();
  rows = 0;

  constructor(private readonly specs: { name: string; type: FeatureType }[]) {
    for (const s of specs) this.columns.set(s.name, { type: s.type, values: [], chunks: [], categories: new Map(), missing: 0 });
  }

  addColumns(columns: Record<string, unknown[]>, length: number): void {
    this.rows += length;
    for (const [name, c] of this.columns) {
      const vs = columns[name];
      if (!vs) {
        c.missing += length;
        continue;
      }
      if (c.type === 'numeric') {
        for (let i = 0; i < length; i++) {
          const x = toNumber(vs[i]);
          if (x === undefined) c.missing++;
          else c.values.push(x);
        }
        // Move full runs into typed arrays: a plain array of 1M numbers per column costs far more.
        if (c.values.length >= 65_536) {
          c.chunks.push(Float64Array.from(c.values));
          c.values = [];
        }
      } else {
        for (let i = 0; i < length; i++) {
          const v = toCategory(vs[i]);
          if (v === undefined) c.missing++;
          else c.categories.set(v, (c.categories.get(v) ?? 0) + 1);
        }
      }
    }
  }

  finish(): RawTable {
    const columns: RawColumn[] = this.specs.map(({ name, type }) => {
      const c = this.columns.get(name)!;
      if (type === 'categorical') return { name, type, categories: c.categories, missing: c.missing };
      const n = c.chunks.reduce((s, a) => s + a.length, 0) + c.values.length;
      const values = new Float64Array(n);
      let at = 0;
      for (const a of c.chunks) {
        values.set(a, at);
        at += a.length;
      }
      values.set(c.values, at);
      return { name, type, values, missing: c.missing };
    });
    return { rows: this.rows, columns };
  }
}

/**
 * The drift engine: a pure function from a baseline profile and a window of counts over the
 * profile's bins to a report. Computing only; exporters and the CLI present the report.
 */
import type { BaselineProfile, FeatureProfile } from '../baseline/profile.js';
import { baselineCounts } from '../baseline/binning.js';
import type { DriftReport, FeatureDriftResult, LiveWindow, WindowFeatureCounts } from './types.js';
import { driftMethod, isDrift } from './registry.js';
import { DRIFT_DEFAULTS, resolveMethod, resolveThreshold, type DriftOptions } from './options.js';
import { calibratedMissingThreshold, calibratedThreshold } from './calibration.js';
import { lInfinity } from '../stats/binned.js';
import { binShape } from '../stats/bin-shape.js';

function sum(xs: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

function withNote(result: FeatureDriftResult, note: string): FeatureDriftResult {
  result.note = note;
  return result;
}

export function computeDrift(baseline: BaselineProfile, window: LiveWindow, options: DriftOptions = {}): DriftReport {
  const sigmas = options.calibrate === false ? undefined : (options.calibrationSigmas ?? DRIFT_DEFAULTS.calibrationSigmas);
  const results: FeatureDriftResult[] = [];
  const windowFeatures = new Map(window.features.map((f) => [f.name, f]));
  for (const f of baseline.features) {
    const w = windowFeatures.get(f.name);
    results.push(inputResult(baseline, f, w, 'input', options, sigmas));
    if (w) results.push(missingRateResult(baseline, f, w, options, sigmas));
  }
  // One output can have two profiles (its prediction and its confidence): match on both keys.
  const outputKey = (output: string, role: string) => `${output}\u0000${role}`;
  const windowOutputs = new Map(window.outputs.map((o) => [outputKey(o.output ?? o.name, o.role), o]));
  for (const o of baseline.outputs) {
    results.push(inputResult(baseline, o, windowOutputs.get(outputKey(o.output, o.role)), 'output', options, sigmas));
  }
  const judged = results.filter((r) => r.kind === 'input' && r.verdict !== 'insufficient_data');
  const drifted = judged.filter((r) => r.verdict === 'drift').length;
  const driftedShare = judged.length === 0 ? 0 : drifted / judged.length;
  const datasetDriftThreshold = options.datasetDriftShare ?? DRIFT_DEFAULTS.datasetDriftShare;
  const datasetDrift = judged.length > 0 && driftedShare >= datasetDriftThreshold;
  let windowRows = 0;
  for (const f of window.features) windowRows = Math.max(windowRows, sum(f.counts) + f.missing);
  return {
    model: baseline.model,
    ...(window.variant !== undefined ? { variant: window.variant } : {}),
    ...(baseline.version !== undefined ? { baselineVersion: baseline.version } : {}),
    window: window.window,
    start: window.start,
    end: window.end,
    features: results,
    driftedShare,
    datasetDrift,
    datasetDriftThreshold,
    verdict: judged.length === 0 ? 'insufficient_data' : datasetDrift ? 'drift' : 'no_drift',
    windowRows,
    minSamples: options.minSamples ?? DRIFT_DEFAULTS.minSamples,
  };
}

function inputResult(
  baseline: BaselineProfile,
  f: FeatureProfile,
  w: WindowFeatureCounts | undefined,
  kind: 'input' | 'output',
  options: DriftOptions,
  sigmas: number | undefined,
): FeatureDriftResult {
  const windowSamples = w ? sum(w.counts) : 0;
  let methodName = resolveMethod(f.name, f.type, windowSamples, options);
  let method = driftMethod(methodName);
  let note: string | undefined;
  if (!method.types.includes(f.type)) {
    note = `${methodName} does not apply to ${f.type} features; used the default method`;
    methodName = resolveMethod(f.name, f.type, windowSamples, {});
    method = driftMethod(methodName);
  }
  const calibrated = sigmas === undefined ? undefined : calibratedThreshold(baseline, f, method, sigmas, windowSamples);
  const { threshold, source } = resolveThreshold(f.name, f.type, method, calibrated, options);
  const base = baselineCounts(f);
  const result: FeatureDriftResult = {
    feature: f.name,
    kind,
    method: methodName,
    score: null,
    threshold,
    thresholdSource: source,
    direction: method.direction,
    verdict: 'insufficient_data',
    baselineSamples: f.count,
    windowSamples,
  };
  const minSamples = options.minSamples ?? DRIFT_DEFAULTS.minSamples;
  if (!w) return withNote(result, `no counts for ${f.name} in the window`);
  if (w.counts.length !== base.length) {
    return withNote(result, `window has ${w.counts.length} bins for ${f.name}, the baseline ${base.length}: was it binned with another baseline version?`);
  }
  if (f.count === 0) return withNote(result, 'the baseline has no non-missing values for this feature');
  if (windowSamples < minSamples) return withNote(result, `window has ${windowSamples} values, fewer than the ${minSamples} needed for a verdict`);
  const edges = f.type === 'numeric' ? f.bins.edges : [];
  const std = f.type === 'numeric' ? f.std : 0;
  const shape = f.type === 'numeric' ? binShape(f) : undefined;
  const { score, pValue } = method.score({ baseline: base, window: w.counts, edges, std, shape });
  if (!Number.isFinite(score)) return withNote(result, `${methodName} is undefined for these counts`);
  result.score = score;
  if (pValue !== undefined) result.pValue = pValue;
  result.verdict = isDrift(method.direction, score, threshold) ? 'drift' : 'no_drift';
  if (note) result.note = note;
  return result;
}

/** |Δ missing rate| (L-infinity over [present, missing]); calibrated from chunks or a fixed threshold. */
function missingRateResult(
  baseline: BaselineProfile,
  f: FeatureProfile,
  w: WindowFeatureCounts,
  options: DriftOptions,
  sigmas: number | undefined,
): FeatureDriftResult {
  const present = sum(w.counts);
  const calibrated = sigmas === undefined ? undefined : calibratedMissingThreshold(baseline, f, sigmas, present + w.missing);
  const fixed = options.missingRateThreshold ?? DRIFT_DEFAULTS.missingRateThreshold;
  const threshold = calibrated ?? fixed;
  const total = present + w.missing;
  const minSamples = options.minSamples ?? DRIFT_DEFAULTS.minSamples;
  const result: FeatureDriftResult = {
    feature: f.name,
    kind: 'missing_rate',
    method: 'linf',
    score: null,
    threshold,
    thresholdSource: calibrated !== undefined ? 'calibrated' : options.missingRateThreshold !== undefined ? 'global' : 'default',
    direction: 'higher_is_drift',
    verdict: 'insufficient_data',
    baselineSamples: f.count + f.missing,
    windowSamples: total,
  };
  if (total < minSamples || f.count + f.missing === 0) return withNote(result, `window has ${total} rows, fewer than the ${minSamples} needed for a verdict`);
  const score = lInfinity([f.count, f.missing], [present, w.missing]);
  result.score = score;
  result.verdict = score > threshold ? 'drift' : 'no_drift';
  return result;
}

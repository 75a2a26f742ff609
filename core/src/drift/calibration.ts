/**
 * Thresholds calibrated from the baseline's own chunks (NannyML's approach): score every chunk
 * against the whole baseline with the method in use, threshold = mean + k·σ of those scores.
 * Only distances are calibrated; p-value methods keep their significance level. Chunk scores
 * depend on chunk size like window scores depend on window size, so calibration is most faithful
 * when `chunkRows` is close to the window's row count. Results are cached per profile object.
 */
import type { BaselineProfile, FeatureProfile } from '../baseline/profile.js';
import { baselineCounts } from '../baseline/binning.js';
import type { DriftMethodDescriptor } from './registry.js';

const cache = new WeakMap<BaselineProfile, Map<string, number | undefined>>();

function meanPlusSigmas(scores: number[], sigmas: number): number | undefined {
  const finite = scores.filter(Number.isFinite);
  if (finite.length < 2) return undefined;
  const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
  const variance = finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (finite.length - 1);
  const t = mean + sigmas * Math.sqrt(variance);
  // All chunks identical to the baseline gives 0: no usable spread, fall back to the default.
  return t > 0 && Number.isFinite(t) ? t : undefined;
}

function cached(profile: BaselineProfile, key: string, compute: () => number | undefined): number | undefined {
  let m = cache.get(profile);
  if (!m) cache.set(profile, (m = new Map()));
  if (m.has(key)) return m.get(key);
  const v = compute();
  m.set(key, v);
  return v;
}

export function calibratedThreshold(
  profile: BaselineProfile,
  feature: FeatureProfile,
  method: DriftMethodDescriptor,
  sigmas: number,
): number | undefined {
  if (method.isPValue || profile.chunks.length < 2) return undefined;
  return cached(profile, `dist:${feature.name}:${method.name}:${sigmas}`, () => {
    const base = baselineCounts(feature);
    const edges = feature.type === 'numeric' ? feature.bins.edges : [];
    const std = feature.type === 'numeric' ? feature.std : 0;
    const scores: number[] = [];
    for (const chunk of profile.chunks) {
      const counts = chunk.counts[feature.name];
      if (!counts || counts.length !== base.length) continue;
      scores.push(method.score({ baseline: base, window: counts, edges, std }).score);
    }
    return meanPlusSigmas(scores, sigmas);
  });
}

/** Calibrated threshold on |Δ missing rate| between chunks and the whole baseline. */
export function calibratedMissingThreshold(profile: BaselineProfile, feature: FeatureProfile, sigmas: number): number | undefined {
  if (profile.chunks.length < 2) return undefined;
  return cached(profile, `missing:${feature.name}:${sigmas}`, () => {
    const rate = feature.missing / Math.max(1, feature.count + feature.missing);
    const scores = profile.chunks
      .filter((c) => c.rows > 0 && c.missing[feature.name] !== undefined)
      .map((c) => Math.abs(c.missing[feature.name]! / c.rows - rate));
    return meanPlusSigmas(scores, sigmas);
  });
}

/**
 * Thresholds calibrated from the baseline's own chunks (NannyML's approach): score every chunk
 * against the whole baseline with the method in use, threshold = mean + k·σ of those scores.
 * Only distances are calibrated; p-value methods keep their significance level.
 * A chunk's score is sampling noise, which shrinks with sample size as n^-e (e = 1/2 for the
 * distances, 1 for PSI, whose expectation is ≈ (bins − 1)/n), so the threshold is scaled from the
 * chunks' mean size to the window's: t_window = t_chunks · (n_chunk / n_window)^e. Without this, a
 * baseline cut into 1,000-row chunks would be far too lenient for a day-long window of 100,000 rows.
 * Chunk statistics are cached per profile object; the scaling is one multiplication per call.
 */
import type { BaselineProfile, FeatureProfile } from '../baseline/profile.js';
import { baselineCounts } from '../baseline/binning.js';
import type { DriftMethodDescriptor } from './registry.js';
import { binShape } from '../stats/bin-shape.js';

interface ChunkThreshold {
  threshold: number;
  /** Mean non-missing values per chunk for this feature. */
  samples: number;
}

const cache = new WeakMap<BaselineProfile, Map<string, ChunkThreshold | undefined>>();

function meanPlusSigmas(scores: number[], sigmas: number, samples: number): ChunkThreshold | undefined {
  const finite = scores.filter(Number.isFinite);
  if (finite.length < 2) return undefined;
  const mean = finite.reduce((s, v) => s + v, 0) / finite.length;
  const variance = finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (finite.length - 1);
  const t = mean + sigmas * Math.sqrt(variance);
  // All chunks identical to the baseline gives 0: no usable spread, fall back to the default.
  return t > 0 && Number.isFinite(t) ? { threshold: t, samples } : undefined;
}

function cached(profile: BaselineProfile, key: string, compute: () => ChunkThreshold | undefined): ChunkThreshold | undefined {
  let m = cache.get(profile);
  if (!m) cache.set(profile, (m = new Map()));
  if (m.has(key)) return m.get(key);
  const v = compute();
  m.set(key, v);
  return v;
}

/** Threshold for a window of `windowSamples` values, or undefined when chunks cannot calibrate it. */
export function calibratedThreshold(
  profile: BaselineProfile,
  feature: FeatureProfile,
  method: DriftMethodDescriptor,
  sigmas: number,
  windowSamples: number,
): number | undefined {
  if (method.isPValue || profile.chunks.length < 2) return undefined;
  const c = chunkThreshold(profile, feature, method, sigmas);
  if (!c || !(windowSamples > 0)) return c?.threshold;
  return c.threshold * (c.samples / windowSamples) ** method.noiseExponent;
}

function chunkThreshold(profile: BaselineProfile, feature: FeatureProfile, method: DriftMethodDescriptor, sigmas: number): ChunkThreshold | undefined {
  return cached(profile, `dist:${feature.name}:${method.name}:${sigmas}`, () => {
    const base = baselineCounts(feature);
    const edges = feature.type === 'numeric' ? feature.bins.edges : [];
    const std = feature.type === 'numeric' ? feature.std : 0;
    const shape = feature.type === 'numeric' ? binShape(feature) : undefined;
    const scores: number[] = [];
    let samples = 0;
    for (const chunk of profile.chunks) {
      const counts = chunk.counts[feature.name];
      if (!counts || counts.length !== base.length) continue;
      scores.push(method.score({ baseline: base, window: counts, edges, std, shape }).score);
      for (const c of counts) samples += c;
    }
    return meanPlusSigmas(scores, sigmas, scores.length > 0 ? samples / scores.length : 0);
  });
}

/** Calibrated threshold on |Δ missing rate| (a proportion: noise ∝ n^-1/2), scaled to the window's rows. */
export function calibratedMissingThreshold(profile: BaselineProfile, feature: FeatureProfile, sigmas: number, windowRows: number): number | undefined {
  if (profile.chunks.length < 2) return undefined;
  const c = cached(profile, `missing:${feature.name}:${sigmas}`, () => {
    const rate = feature.missing / Math.max(1, feature.count + feature.missing);
    const chunks = profile.chunks.filter((c) => c.rows > 0 && c.missing[feature.name] !== undefined);
    const scores = chunks.map((c) => Math.abs(c.missing[feature.name]! / c.rows - rate));
    return meanPlusSigmas(scores, sigmas, chunks.reduce((s, c) => s + c.rows, 0) / Math.max(1, chunks.length));
  });
  if (!c || !(windowRows > 0)) return c?.threshold;
  return c.threshold * Math.sqrt(c.samples / windowRows);
}

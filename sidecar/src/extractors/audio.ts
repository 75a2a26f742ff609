import type { ExtractorLimits } from './limits.js';
import { base64Of, decodeBase64, samplesOf } from './media-item.js';
import { readWav } from './wav.js';

/**
 * Audio features: duration (seconds) and RMS volume (dBFS) from a base64 WAV or raw PCM samples
 * (mono or [samples, channels]) at a configured sample rate. Raw values within [-1, 1] are
 * float PCM; larger values are taken as 16-bit integers.
 */
export interface AudioFeatures {
  duration: number | null;
  rms: number | null;
}

/** Digital silence has an RMS of -inf dBFS; the floor keeps it a finite, histogrammable value. */
export const DBFS_FLOOR = -120;

const NONE: AudioFeatures = { duration: null, rms: null };

export function toDbfs(rms: number): number {
  return rms > 0 ? Math.max(DBFS_FLOOR, 20 * Math.log10(rms)) : DBFS_FLOOR;
}

export function audioFeatures(item: unknown, sampleRate: number | undefined, limits: ExtractorLimits): AudioFeatures {
  const b64 = base64Of(item);
  if (b64 !== undefined) {
    const bytes = decodeBase64(b64, limits.maxBytes);
    const wav = bytes ? readWav(bytes, limits.maxSamples) : undefined;
    if (!wav) return NONE;
    return { duration: wav.durationSeconds, rms: wav.rms === undefined ? null : toDbfs(wav.rms) };
  }
  const raw = samplesOf(item, Number.MAX_SAFE_INTEGER);
  if (!raw || raw.shape.length > 2 || raw.data.length === 0) return NONE;
  const frames = raw.shape[0];
  const n = Math.min(raw.data.length, limits.maxSamples);
  let peak = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const v = raw.data[i];
    if (!Number.isFinite(v)) return NONE;
    if (Math.abs(v) > peak) peak = Math.abs(v);
    sq += v * v;
  }
  const full = peak > 1 ? 32768 : 1;
  return {
    duration: sampleRate ? frames / sampleRate : null,
    rms: toDbfs(Math.sqrt(sq / n) / full),
  };
}

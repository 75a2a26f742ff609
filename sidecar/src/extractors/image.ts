import type { ExtractorLimits } from './limits.js';
import { base64Of, decodeBase64, samplesOf } from './media-item.js';
import { isPng, readPng } from './png.js';
import { isJpeg, readJpegSize } from './jpeg.js';

/**
 * Image features: width, height, pixels and mean brightness (Rec. 601 luma, 0 to 1) from a base64
 * PNG (JPEG: size only) or a raw array: [H,W] greyscale, [H,W,C] or [C,H,W] with C in 1, 3, 4.
 * Raw values above 1 are taken as 0-255.
 */
export interface ImageFeatures {
  width: number | null;
  height: number | null;
  pixels: number | null;
  brightness: number | null;
}

const NONE: ImageFeatures = { width: null, height: null, pixels: null, brightness: null };

function rawImage(data: ArrayLike<number>, shape: number[]): ImageFeatures {
  let h: number, w: number, c: number, channelsFirst = false;
  if (shape.length === 2) [h, w, c] = [shape[0], shape[1], 1];
  else if (shape.length === 3 && [1, 3, 4].includes(shape[2])) [h, w, c] = [shape[0], shape[1], shape[2]];
  else if (shape.length === 3 && [1, 3, 4].includes(shape[0])) [c, h, w, channelsFirst] = [shape[0], shape[1], shape[2], true];
  else return NONE;
  const n = h * w;
  if (n === 0 || data.length !== n * c) return NONE;
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  const scale = max > 1 ? 255 : 1;
  const at = channelsFirst ? (p: number, k: number) => data[k * n + p] : (p: number, k: number) => data[p * c + k];
  let sum = 0;
  for (let p = 0; p < n; p++) sum += c >= 3 ? 0.299 * at(p, 0) + 0.587 * at(p, 1) + 0.114 * at(p, 2) : at(p, 0);
  return { width: w, height: h, pixels: n, brightness: Math.min(1, Math.max(0, sum / n / scale)) };
}

export function imageFeatures(item: unknown, limits: ExtractorLimits): ImageFeatures {
  const b64 = base64Of(item);
  if (b64 !== undefined) {
    const bytes = decodeBase64(b64, limits.maxBytes);
    if (!bytes) return NONE;
    if (isPng(bytes)) {
      const png = readPng(bytes, limits.maxPixels);
      if (!png) return NONE;
      return { width: png.width, height: png.height, pixels: png.width * png.height, brightness: png.brightness ?? null };
    }
    if (isJpeg(bytes)) {
      const s = readJpegSize(bytes);
      return s ? { width: s.width, height: s.height, pixels: s.width * s.height, brightness: null } : NONE;
    }
    return NONE;
  }
  const raw = samplesOf(item, limits.maxPixels * 4);
  return raw ? rawImage(raw.data, raw.shape) : NONE;
}

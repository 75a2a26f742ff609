import { inflateSync } from 'node:zlib';

/**
 * Minimal PNG reader for monitoring: dimensions from IHDR, and mean luma of non-interlaced
 * 8/16-bit greyscale, RGB, grey+alpha, RGBA and 8-bit palette images (node:zlib inflate, no
 * native dependency). Alpha is ignored: brightness is of the colour as stored.
 */
export interface PngInfo {
  width: number;
  height: number;
  /** Mean Rec. 601 luma in [0, 1]; undefined when the pixel format is not supported or over the limit. */
  brightness?: number;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function isPng(b: Buffer): boolean {
  return b.length >= 8 && b.subarray(0, 8).equals(SIGNATURE);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the per-scanline filters (PNG spec §9) in place. */
function unfilter(raw: Buffer, height: number, stride: number, bpp: number): Buffer | undefined {
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const up = dst - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[dst + x - bpp] : 0;
      const b = y > 0 ? out[up + x] : 0;
      const c = x >= bpp && y > 0 ? out[up + x - bpp] : 0;
      const v = raw[src + x];
      switch (filter) {
        case 0: out[dst + x] = v; break;
        case 1: out[dst + x] = v + a; break;
        case 2: out[dst + x] = v + b; break;
        case 3: out[dst + x] = v + ((a + b) >> 1); break;
        case 4: out[dst + x] = v + paeth(a, b, c); break;
        default: return undefined;
      }
    }
  }
  return out;
}

export function readPng(b: Buffer, maxPixels: number): PngInfo | undefined {
  if (!isPng(b) || b.length < 33 || b.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const depth = b[24];
  const colorType = b[25];
  const interlace = b[28];
  const info: PngInfo = { width, height };
  const channels = CHANNELS[colorType];
  const supported = channels !== undefined && interlace === 0 && (depth === 8 || (depth === 16 && colorType !== 3));
  if (!supported || width * height > maxPixels || width === 0 || height === 0) return info;

  const idat: Buffer[] = [];
  let palette: Buffer | undefined;
  for (let off = 8; off + 8 <= b.length;) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    const data = b.subarray(off + 8, off + 8 + len);
    if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE') palette = data;
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const bytesPerSample = depth / 8;
  const bpp = channels * bytesPerSample;
  const stride = width * bpp;
  let raw: Buffer;
  try {
    // The cap makes a decompression bomb fail fast instead of allocating without bound.
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: height * (stride + 1) });
  } catch {
    return info;
  }
  if (raw.length !== height * (stride + 1)) return info;
  const px = unfilter(raw, height, stride, bpp);
  if (!px) return info;

  const max = depth === 16 ? 65535 : 255;
  const at = depth === 16 ? (i: number) => px.readUInt16BE(i) : (i: number) => px[i];
  let sum = 0;
  for (let p = 0; p < width * height; p++) {
    const i = p * bpp;
    if (colorType === 3) {
      const k = px[i] * 3;
      if (!palette || k + 2 >= palette.length) return info;
      sum += (0.299 * palette[k] + 0.587 * palette[k + 1] + 0.114 * palette[k + 2]) / 255;
    } else if (channels >= 3) {
      sum += (0.299 * at(i) + 0.587 * at(i + bytesPerSample) + 0.114 * at(i + 2 * bytesPerSample)) / max;
    } else {
      sum += at(i) / max;
    }
  }
  info.brightness = sum / (width * height);
  return info;
}

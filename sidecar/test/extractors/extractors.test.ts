import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createExtractorSet, textLength } from '../../src/extractors/extractor-set.js';
import { imageFeatures } from '../../src/extractors/image.js';
import { audioFeatures, DBFS_FLOOR } from '../../src/extractors/audio.js';
import { DEFAULT_LIMITS } from '../../src/extractors/limits.js';
import { createOipCodec } from '../../src/protocols/oip.js';
import { parseTfRequest } from '../../src/protocols/tfserving.js';
import { encodePng, encodeWav, jpegHeader } from './media-fixtures.js';

const b64 = (b: Buffer) => b.toString('base64');
const limits = DEFAULT_LIMITS;

/** A width×height RGB image with known pixels; brightness is computed here the slow way. */
function createRgb(width: number, height: number) {
  const px = new Uint8Array(width * height * 3).map((_, i) => (i * 37 + (i % 7) * 11) % 256);
  let sum = 0;
  for (let p = 0; p < width * height; p++) sum += 0.299 * px[p * 3] + 0.587 * px[p * 3 + 1] + 0.114 * px[p * 3 + 2];
  return { px, brightness: sum / (width * height) / 255 };
}

describe('image extractor', () => {
  it('reads size and brightness of PNGs using every scanline filter', () => {
    const { px, brightness } = createRgb(13, 9);
    const f = imageFeatures({ b64: b64(encodePng(13, 9, 2, px, [0, 1, 2, 3, 4])) }, limits);
    expect(f.width).toBe(13);
    expect(f.height).toBe(9);
    expect(f.pixels).toBe(117);
    expect(f.brightness).toBeCloseTo(brightness, 12);
  });

  it('reads greyscale and RGBA PNGs, and data URLs', () => {
    const grey = imageFeatures(`data:image/png;base64,${b64(encodePng(2, 1, 0, new Uint8Array([0, 255]), [1]))}`, limits);
    expect(grey.brightness).toBeCloseTo(0.5, 12);
    const rgba = imageFeatures(b64(encodePng(1, 1, 6, new Uint8Array([255, 255, 255, 0]))), limits);
    expect(rgba.brightness).toBeCloseTo(1, 12);
  });

  it('matches an independent Python decoder on real PNG files from vega-datasets', () => {
    // The workspace root's node_modules (vega-datasets is a dependency of examples/).
    const files = ['7zip.png', 'ffox.png', 'gimp.png'].map((f) => fileURLToPath(new URL(`../../../node_modules/vega-datasets/data/${f}`, import.meta.url)));
    const script = fileURLToPath(new URL('./png_reference.py', import.meta.url));
    const ref = execFileSync('/usr/bin/python3', [script, ...files], { encoding: 'utf8' }).trim().split('\n');
    expect(ref).toHaveLength(3);
    for (const line of ref) {
      const [file, w, h, brightness] = line.split(' ');
      const f = imageFeatures(b64(readFileSync(file)), limits);
      expect([f.width, f.height]).toEqual([Number(w), Number(h)]);
      expect(Math.abs(f.brightness! - Number(brightness))).toBeLessThan(1e-9);
    }
  });

  it('reads the size of a JPEG without decoding its pixels', () => {
    expect(imageFeatures({ b64: b64(jpegHeader(640, 480)) }, limits)).toEqual({ width: 640, height: 480, pixels: 307200, brightness: null });
  });

  it('reads raw arrays: [H,W] grey, [H,W,C] and [C,H,W], 0-255 or 0-1', () => {
    expect(imageFeatures([[0, 255], [255, 0]], limits)).toEqual({ width: 2, height: 2, pixels: 4, brightness: 0.5 });
    expect(imageFeatures([[[1, 1, 1], [0, 0, 0]]], limits).brightness).toBeCloseTo(0.5, 12);
    const chw = { data: new Int32Array([255, 255, 0, 0, 0, 0]), shape: [3, 1, 2] };
    expect(imageFeatures(chw, limits)).toMatchObject({ width: 2, height: 1, brightness: 0.299 });
  });

  it('gives nulls, never an exception, for corrupt, truncated, oversized or unknown items', () => {
    const png = encodePng(4, 4, 2, new Uint8Array(48));
    const cases: unknown[] = [
      b64(Buffer.from('not an image')), b64(png.subarray(0, 40)), 'Zm9v', 42, null, { b64: 7 }, [[1, 2], [3]], [['a']],
    ];
    for (const item of cases) expect(imageFeatures(item, limits).brightness).toBeNull();
    const big = imageFeatures(b64(png), { ...limits, maxPixels: 15 });
    expect(big).toEqual({ width: 4, height: 4, pixels: 16, brightness: null });
    expect(imageFeatures(b64(png), { ...limits, maxBytes: 10 }).width).toBeNull();
  });

  it('gives no brightness when the image data inflates past the size its header claims', () => {
    // Claims 4x4 but its IDAT inflates to 1 MB of zeros: inflate stops at the header's size (maxOutputLength).
    const bomb = encodePng(4, 4, 2, new Uint8Array(48));
    const idat = bomb.indexOf('IDAT');
    const evil = Buffer.concat([bomb.subarray(0, idat - 4), (() => {
      const data = deflateSync(Buffer.alloc(1 << 20));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      return Buffer.concat([len, Buffer.from('IDAT'), data, Buffer.alloc(4)]);
    })()]);
    expect(imageFeatures(b64(evil), limits)).toEqual({ width: 4, height: 4, pixels: 16, brightness: null });
  });
});

describe('audio extractor', () => {
  it('reads duration and RMS dBFS from a base64 WAV', () => {
    const rate = 8000;
    const samples = new Int16Array(rate / 2).map((_, i) => Math.round(16384 * Math.sin((2 * Math.PI * 440 * i) / rate)));
    const f = audioFeatures({ b64: b64(encodeWav(samples, rate)) }, undefined, limits);
    expect(f.duration).toBe(0.5);
    // A sine at half full scale: RMS = 0.5/√2 → 20·log10 ≈ -9.03 dBFS.
    expect(f.rms!).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 2);
  });

  it('reads raw float and 16-bit PCM arrays at the configured sample rate', () => {
    expect(audioFeatures([0.5, -0.5, 0.5, -0.5], 4, limits)).toEqual({ duration: 1, rms: 20 * Math.log10(0.5) });
    expect(audioFeatures(new Int16Array([16384, -16384]), 2, limits).rms).toBeCloseTo(20 * Math.log10(0.5), 12);
    expect(audioFeatures([0, 0], undefined, limits)).toEqual({ duration: null, rms: DBFS_FLOOR });
  });

  it('gives nulls for items that are not audio', () => {
    for (const item of ['', b64(Buffer.from('RIFF....WAVEjunk')), { x: 1 }, [[[1]]]]) {
      expect(audioFeatures(item, 8000, limits)).toEqual({ duration: null, rms: null });
    }
  });
});

describe('extractor set', () => {
  it('counts text length in code points', () => {
    expect(textLength('héllo 👋')).toBe(7);
    expect(textLength('')).toBe(0);
  });

  it('derives <input>:<extractor> columns from OIP BYTES and image tensors', () => {
    const set = createExtractorSet([
      { input: 'review', kind: 'text' },
      { input: 'photo', kind: 'image', extract: ['brightness', 'width'] },
    ]);
    expect(set.featureNames).toEqual(['review:length', 'photo:brightness', 'photo:width']);
    const batch = createOipCodec().parseRequest(Buffer.from(JSON.stringify({
      inputs: [
        { name: 'review', shape: [2], datatype: 'BYTES', data: ['great', 'meh'] },
        { name: 'photo', shape: [2, 1, 2], datatype: 'UINT8', data: [0, 255, 255, 255] },
      ],
    })), {});
    expect(batch.ok).toBe(true);
    if (!batch.ok) return;
    const out = set.apply(batch.value);
    expect(Object.fromEntries(out)).toEqual({ 'review:length': [5, 3], 'photo:brightness': [0.5, 1], 'photo:width': [2, 2] });
  });

  it('reads TF Serving b64 instances, leaving a null for a row it cannot read', () => {
    const set = createExtractorSet([{ input: 'image', kind: 'image', extract: ['pixels'] }]);
    const png = b64(encodePng(3, 2, 0, new Uint8Array(6)));
    const batch = parseTfRequest(Buffer.from(JSON.stringify({ instances: [{ image: { b64: png } }, { image: { b64: 'garbage' } }] })));
    expect(batch.ok && Object.fromEntries(set.apply(batch.value))).toEqual({ 'image:pixels': [6, null] });
  });

  it('fails fast at startup on an unknown extractor or a bad sample rate', () => {
    expect(() => createExtractorSet([{ input: 'a', kind: 'text', extract: ['brightness'] }])).toThrow('MW_ERR_EXTRACTOR: extractors[0].extract "brightness" is not a text extractor; allowed: length');
    expect(() => createExtractorSet([{ input: 'a', kind: 'audio', sampleRate: 0 }])).toThrow('MW_ERR_EXTRACTOR: extractors[0].sampleRate');
    expect(() => createExtractorSet([{ input: 'a', kind: 'video' as 'text' }])).toThrow('MW_ERR_EXTRACTOR_KIND');
  });
});

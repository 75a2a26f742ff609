/**
 * JPEG dimensions from the first start-of-frame marker; pixels are not decoded (a baseline
 * decoder is not worth its cost on the request path), so JPEGs get size features only.
 */
export function isJpeg(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0xff && b[1] === 0xd8;
}

export function readJpegSize(b: Buffer): { width: number; height: number } | undefined {
  let off = 2;
  while (off + 9 < b.length) {
    if (b[off] !== 0xff) return undefined;
    const marker = b[off + 1];
    if (marker === 0xff) {
      off += 1;
      continue;
    }
    const len = b.readUInt16BE(off + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(off + 5), width: b.readUInt16BE(off + 7) };
    }
    off += 2 + len;
  }
  return undefined;
}

/**
 * RIFF/WAVE reader: duration from the header, RMS over (up to `maxSamples`) samples of 8/16/24/32-bit
 * PCM or 32/64-bit float data, all channels together, relative to full scale.
 */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  durationSeconds: number;
  /** RMS relative to full scale (0..1), undefined for an unsupported encoding. */
  rms?: number;
}

export function isWav(b: Buffer): boolean {
  return b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE';
}

export function readWav(b: Buffer, maxSamples: number): WavInfo | undefined {
  if (!isWav(b)) return undefined;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  for (let off = 12; off + 8 <= b.length;) {
    const id = b.toString('latin1', off, off + 4);
    const len = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ' && len >= 16 && body + 16 <= b.length) {
      let format = b.readUInt16LE(body);
      if (format === 0xfffe && len >= 40) format = b.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE sub-format
      fmt = { format, channels: b.readUInt16LE(body + 2), rate: b.readUInt32LE(body + 4), bits: b.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt || fmt.rate === 0 || fmt.channels === 0 || fmt.bits % 8 !== 0 || fmt.bits === 0) return undefined;
      const bytes = fmt.bits / 8;
      const dataLen = Math.min(len, b.length - body);
      const frames = Math.floor(dataLen / (bytes * fmt.channels));
      const info: WavInfo = { sampleRate: fmt.rate, channels: fmt.channels, durationSeconds: frames / fmt.rate };
      const n = Math.min(frames * fmt.channels, maxSamples);
      const read = sampleReader(b, fmt.format, fmt.bits);
      if (read && n > 0) {
        let sq = 0;
        for (let i = 0; i < n; i++) {
          const v = read(body + i * bytes);
          sq += v * v;
        }
        info.rms = Math.sqrt(sq / n);
      }
      return info;
    }
    off = body + len + (len & 1);
  }
  return undefined;
}

/** Reads one sample at a byte offset as a fraction of full scale, or undefined when unsupported. */
function sampleReader(b: Buffer, format: number, bits: number): ((off: number) => number) | undefined {
  if (format === 1) {
    if (bits === 8) return (o) => (b[o] - 128) / 128;
    if (bits === 16) return (o) => b.readInt16LE(o) / 32768;
    if (bits === 24) return (o) => b.readIntLE(o, 3) / 8388608;
    if (bits === 32) return (o) => b.readInt32LE(o) / 2147483648;
  }
  if (format === 3) {
    if (bits === 32) return (o) => b.readFloatLE(o);
    if (bits === 64) return (o) => b.readDoubleLE(o);
  }
  return undefined;
}

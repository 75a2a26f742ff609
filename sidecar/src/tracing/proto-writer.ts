/**
 * A protobuf writer over one growable, reused buffer: just the wire types OTLP traces need
 * (varint, fixed32/64, length-delimited). Nested messages are written in place: one byte is
 * reserved for the length and the body moved right when it needs more (bodies of 128 bytes and
 * over), so no size pass runs before the write. Reused per export slot, so a batch allocates
 * nothing but the strings the encoder reads.
 */
const STRING_CACHE_ENTRIES = 512;
/** Hex digit values by char code ('0'–'9', 'a'–'f', 'A'–'F'). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

export class ProtoWriter {
  buf: Buffer;
  pos = 0;
  private readonly cache = new Map<string, Uint8Array>();

  constructor(initialBytes = 64 * 1024) {
    // Never from Node's shared pool: a batch buffer may be transferred to the export thread whole.
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since the last reset (a view: valid until the next reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // (A buffer that travelled to the export thread and was not given back has length 0.)
    let size = Math.max(this.buf.length * 2, 1024);
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned varint below 2^32 (tags, lengths, enums, small counts). */
  varint(v: number): void {
    this.ensure(5);
    const b = this.buf;
    while (v > 127) {
      b[this.pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    b[this.pos++] = v;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** int64 as a varint, from a safe integer (negative: ten bytes, two's complement). */
  int64(field: number, v: number): void {
    this.tag(field, 0);
    this.ensure(10);
    let lo: number;
    let hi: number;
    if (v >= 0) {
      lo = v % 0x1_0000_0000;
      hi = Math.floor(v / 0x1_0000_0000);
    } else {
      const a = -v;
      lo = a % 0x1_0000_0000;
      hi = Math.floor(a / 0x1_0000_0000);
      // Two's complement of (hi, lo).
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    }
    const b = this.buf;
    while (hi > 0 || lo > 127) {
      b[this.pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[this.pos++] = lo;
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  fixed64(field: number, lo: number, hi: number): void {
    this.tag(field, 1);
    this.ensure(8);
    // Byte by byte: cheaper than writeUInt32LE's range checks, three times per span.
    const b = this.buf;
    let p = this.pos;
    b[p++] = lo;
    b[p++] = lo >>> 8;
    b[p++] = lo >>> 16;
    b[p++] = lo >>> 24;
    b[p++] = hi;
    b[p++] = hi >>> 8;
    b[p++] = hi >>> 16;
    b[p++] = hi >>> 24;
    this.pos = p;
  }

  /**
   * A time as fixed64 Unix nanoseconds from epoch milliseconds (a double with sub-µs precision).
   * Split into seconds and nanoseconds so no step exceeds 2^53: ns = s·1e9 + n exactly.
   */
  timeNanos(field: number, epochMs: number): void {
    let s = Math.floor(epochMs / 1000);
    let n = Math.round((epochMs - s * 1000) * 1e6);
    if (n >= 1e9) {
      s += 1;
      n -= 1e9;
    }
    // s·1e9 = (sHi·2^16 + sLo)·1e9; each product is exact below 2^53.
    const sHi = Math.floor(s / 65536);
    const sLo = s % 65536;
    const high = sHi * 1e9; // in units of 2^16
    const t = (high % 65536) * 65536 + sLo * 1e9 + n;
    const lo = t % 0x1_0000_0000;
    const hi = Math.floor(high / 65536) + Math.floor(t / 0x1_0000_0000);
    this.fixed64(field, lo, hi);
  }

  bool(field: number, v: boolean): void {
    this.tag(field, 0);
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** A string field; ASCII is copied byte by byte (short strings: cheaper than a native call). */
  string(field: number, s: string): void {
    this.tag(field, 2);
    const n = s.length;
    this.ensure(n * 3 + 5);
    if (n < 128) {
      const start = this.pos + 1;
      const b = this.buf;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) break;
        b[start + i] = c;
      }
      if (i === n) {
        b[this.pos] = n;
        this.pos = start + n;
        return;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.varint(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }

  /** A bytes field from lower-case hex (trace and span ids travel as raw bytes in protobuf); a JS loop beats a native call at 8–16 bytes. */
  hexBytes(field: number, hex: string): void {
    this.tag(field, 2);
    const len = hex.length >>> 1;
    this.ensure(len + 1);
    const b = this.buf;
    let p = this.pos;
    b[p++] = len;
    for (let i = 0; i < hex.length; i += 2) b[p++] = (HEX[hex.charCodeAt(i)] << 4) | HEX[hex.charCodeAt(i + 1)];
    this.pos = p;
  }

  /**
   * A string field whose encoding (tag, length, bytes) is looked up in a small cache: attribute
   * keys, span and event names, methods and routes repeat on every span. The cache is bounded:
   * cleared when full, so request-derived values (paths) cannot grow it.
   */
  cachedString(field: number, s: string): void {
    let bytes = this.cache.get(s);
    if (bytes === undefined || bytes[0] !== ((field << 3) | 2)) {
      const start = this.pos;
      this.string(field, s);
      // A copy: Buffer#slice is a view, and the bytes under it move (end() shifts bodies) or are reused.
      bytes = Uint8Array.prototype.slice.call(this.buf, start, this.pos);
      if (this.cache.size >= STRING_CACHE_ENTRIES) this.cache.clear();
      this.cache.set(s, bytes);
      return;
    }
    this.raw(bytes);
  }

  /** A string's UTF-8 bytes with no tag or length (JSON text). */
  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Bytes written elsewhere (a pre-encoded constant part), copied in; short ones by a loop (cheaper than set()). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n > 64) {
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = bytes[i];
    this.pos = p;
  }

  /** Starts a nested message: writes its tag and reserves a one-byte length. */
  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    return this.pos++;
  }

  /**
   * Starts a nested message expected to take 128 to 16,383 bytes (a span): two bytes are reserved
   * for its length, so endSized() writes it in place instead of moving the body.
   */
  beginSized(field: number): number {
    this.tag(field, 2);
    this.ensure(2);
    const mark = this.pos;
    this.pos += 2;
    return mark;
  }

  /** Ends a message begun with beginSized(): the length in place, or the body moved when it is outside that range. */
  endSized(mark: number): void {
    const len = this.pos - mark - 2;
    const b = this.buf;
    if (len >= 128 && len < 16_384) {
      b[mark] = (len & 127) | 128;
      b[mark + 1] = len >>> 7;
      return;
    }
    // A shorter or longer body: shift it so the length is a minimal varint, as end() writes it.
    b.copyWithin(mark + 1, mark + 2, this.pos);
    this.pos -= 1;
    this.end(mark);
  }

  /** Ends the nested message begun at `mark`, writing its length (moving the body if it needs more bytes). */
  end(mark: number): void {
    const len = this.pos - mark - 1;
    if (len < 128) {
      this.buf[mark] = len;
      return;
    }
    let extra = 0;
    for (let v = len >>> 7; v > 0; v >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copyWithin(mark + 1 + extra, mark + 1, this.pos);
    const saved = this.pos + extra;
    this.pos = mark;
    this.varint(len);
    this.pos = saved;
  }
}

import { randomFillSync } from 'node:crypto';

/**
 * Prediction ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Time
 * order lets the collector tell a label that is late (its prediction is older than the retention
 * period) from one whose id it never saw, without keeping anything for pruned records.
 */

// Random bytes are drawn in blocks: one crypto call per 512 ids keeps an id under a microsecond.
const POOL = Buffer.alloc(10 * 512);
let poolAt = POOL.length;
/** ASCII codes of the hex digits. */
const HEX = Buffer.from('0123456789abcdef');

// The time part changes once a millisecond: formatted once per millisecond, not per id. The id is
// written as bytes into one buffer and read out with a single latin1 slice: a flat string, where
// sixteen concatenated pieces made a rope of sixteen strings that every later reader (the answer's
// header, the OIP body, the record) had to flatten first.
const ID = Buffer.alloc(36);
let lastMs = -1;

export function newPredictionId(nowMs: number = Date.now()): string {
  if (poolAt >= POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 10;
  const t = Math.max(0, Math.floor(nowMs));
  const o = ID;
  if (t !== lastMs) {
    // At 1,000 calls a second every call is in a new millisecond: the 12 hex digits (the low 48 bits)
    // are written from two 32-bit halves, not formatted as strings.
    lastMs = t;
    if (t <= Number.MAX_SAFE_INTEGER) {
      const lo = t % 4294967296;
      const hi = (t - lo) / 4294967296;
      o[0] = HEX[(hi >>> 12) & 0x0f];
      o[1] = HEX[(hi >>> 8) & 0x0f];
      o[2] = HEX[(hi >>> 4) & 0x0f];
      o[3] = HEX[hi & 0x0f];
      o[4] = HEX[(lo >>> 28) & 0x0f];
      o[5] = HEX[(lo >>> 24) & 0x0f];
      o[6] = HEX[(lo >>> 20) & 0x0f];
      o[7] = HEX[(lo >>> 16) & 0x0f];
      o[8] = 0x2d;
      o[9] = HEX[(lo >>> 12) & 0x0f];
      o[10] = HEX[(lo >>> 8) & 0x0f];
      o[11] = HEX[(lo >>> 4) & 0x0f];
      o[12] = HEX[lo & 0x0f];
      o[13] = 0x2d;
      o[14] = 0x37;
    } else {
      // Not a time of this era (or not a number): formatted as it always was.
      const ms = t.toString(16).padStart(12, '0').slice(-12);
      o.write(`${ms.slice(0, 8)}-${ms.slice(8, 12)}-7`, 0, 'latin1');
    }
  }
  const b = POOL;
  // <time 8>-<time 4>-7<12 random bits>-<variant 10 + 14 random bits>-<48 random bits>
  o[15] = HEX[b[r] & 0x0f];
  o[16] = HEX[b[r + 1] >> 4];
  o[17] = HEX[b[r + 1] & 0x0f];
  o[18] = 0x2d;
  const variant = (b[r + 2] & 0x3f) | 0x80;
  o[19] = HEX[variant >> 4];
  o[20] = HEX[variant & 0x0f];
  o[21] = HEX[b[r + 3] >> 4];
  o[22] = HEX[b[r + 3] & 0x0f];
  o[23] = 0x2d;
  for (let k = 0; k < 6; k++) {
    const x = b[r + 4 + k];
    o[24 + 2 * k] = HEX[x >> 4];
    o[25 + 2 * k] = HEX[x & 0x0f];
  }
  return o.toString('latin1', 0, 36);
}

const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}(?::\d+)?$/;

/** The time embedded in a modelwatch prediction id (or a batch row id); undefined for other ids. */
export function predictionIdTime(id: string): number | undefined {
  const m = UUID_V7.exec(id);
  return m ? parseInt(m[1] + m[2], 16) : undefined;
}

/** Id of row `row` of an answer with `rows` rows: the answer's id itself when it has one row. */
export function rowPredictionId(id: string, row: number, rows: number): string {
  return rows === 1 ? id : `${id}:${row}`;
}

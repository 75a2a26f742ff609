import { randomFillSync } from 'node:crypto';

/**
 * Prediction ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Time
 * order lets the collector tell a label that is late (its prediction is older than the retention
 * period) from one whose id it never saw, without keeping anything for pruned records.
 */

// Random bytes are drawn in blocks: one crypto call per 512 ids keeps an id under a microsecond.
const POOL = Buffer.alloc(10 * 512);
let poolAt = POOL.length;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX1: string[] = Array.from({ length: 16 }, (_, i) => i.toString(16));

// The time part changes once a millisecond: formatted once per millisecond, not per id.
let lastMs = -1;
let timePrefix = '';

export function newPredictionId(nowMs: number = Date.now()): string {
  if (poolAt >= POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 10;
  const t = Math.max(0, Math.floor(nowMs));
  if (t !== lastMs) {
    lastMs = t;
    const ms = t.toString(16).padStart(12, '0').slice(-12);
    timePrefix = `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7`;
  }
  const b = POOL;
  return (
    timePrefix +
    HEX1[b[r] & 0x0f] + HEX[b[r + 1]] + '-' +
    HEX[(b[r + 2] & 0x3f) | 0x80] + HEX[b[r + 3]] + '-' +
    HEX[b[r + 4]] + HEX[b[r + 5]] + HEX[b[r + 6]] + HEX[b[r + 7]] + HEX[b[r + 8]] + HEX[b[r + 9]]
  );
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

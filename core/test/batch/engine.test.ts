/**
 * The engine's choice about a file before any pass: whether a CSV's temp table fits the pool, so
 * its load may have the room that keeps it on every core.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { limitBytes, loadFitsPool } from '../../src/batch/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function numericCsv(name: string, rows: number, columns: number): { path: string; bytes: number } {
  const header = Array.from({ length: columns }, (_, c) => `f${c}`).join(',');
  const body = Array.from({ length: rows }, (_, r) => Array.from({ length: columns }, (_, c) => ((r * 7 + c * 13) % 1000) / 7).map((v) => v.toFixed(4)).join(',')).join('\n');
  const path = join(dir, name);
  const text = `${header}\n${body}\n`;
  writeFileSync(path, text);
  return { path, bytes: Buffer.byteLength(text) };
}

describe('loadFitsPool', () => {
  it('estimates the temp table from the rows in the head: 20 numeric columns × 50,000 rows fit 256 MB, not 10 MB', () => {
    const { path, bytes } = numericCsv('fits.csv', 50_000, 20);
    // ≈ 50,000 × 20 × 11.5 bytes = 11.5 MB of table
    expect(loadFitsPool(path, bytes, 20, 0, 20, limitBytes('256MB'))).toBe(true);
    expect(loadFitsPool(path, bytes, 20, 0, 20, limitBytes('10MB'))).toBe(false);
    expect(loadFitsPool(path, bytes, 20, 0, 20, limitBytes('13MB'))).toBe(true);
  });

  it('counts text columns at more than a number each, and says no when the head shows fewer than two lines', () => {
    const { path, bytes } = numericCsv('text.csv', 50_000, 20);
    expect(loadFitsPool(path, bytes, 0, 20, 20, limitBytes('13MB'))).toBe(false);
    const one = join(dir, 'one-line.csv');
    writeFileSync(one, 'a,b');
    expect(loadFitsPool(one, 3, 2, 0, 2, limitBytes('256MB'))).toBe(false);
  });

  it('reads DuckDB sizes as it does: MB are 10^6 bytes', () => {
    expect(limitBytes('256MB')).toBe(256e6);
    expect(() => limitBytes('1GB')).toThrow(/N MB/);
  });
});

import { describe, expect, it, vi } from 'vitest';

// Records every typed array the scanner asks for (the module is the real one, only observed).
const requested: number[] = [];
vi.mock('../../src/protocols/tensor.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/protocols/tensor.js')>();
  return {
    ...real,
    numericArray: (ctor: Parameters<typeof real.numericArray>[0], n: number) => {
      requested.push(n);
      return real.numericArray(ctor, n);
    },
  };
});

const { parseOipRequest, parseOipRequestJson } = await import('../../src/protocols/oip.js');

/**
 * Review of parse13: oip-scan.ts `data()` says "every value takes two bytes at least: a shape
 * claiming more cannot be met by this body, and the array is never allocated from a shape alone",
 * but checks one byte per value. A body padded with whitespace then makes the scanner allocate
 * (and zero) 8 bytes per body byte for FP64 before it finds the data short: 64 MB for a default
 * 8 MB body, where the JSON.parse path allocates nothing and answers the same 400.
 */
describe('OIP scanner allocation on hostile bodies', () => {
  it('never allocates more values than the body could hold (n values need 2n-1 bytes)', () => {
    const n = 100_000;
    const body = Buffer.from(`{"inputs":[{"name":"x","shape":[${n}],"datatype":"FP64","data":[1${' '.repeat(n)}]}]}`);
    requested.length = 0;
    const result = parseOipRequest(body);
    // Same answer as the general path (a 400 for too few values)...
    expect(result).toEqual(parseOipRequestJson(body));
    expect(result.ok).toBe(false);
    // ...but no typed array sized from the shape alone beyond what the bytes after `[` can carry.
    const largest = Math.max(0, ...requested);
    expect(largest).toBeLessThanOrEqual((body.length + 1) / 2);
  });
});

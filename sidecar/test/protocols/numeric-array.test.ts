import { describe, expect, it } from 'vitest';
import { numericArray } from '../../src/protocols/tensor.js';

describe('typed arrays for decoded tensors', () => {
  it('are zeroed, of the asked type and length, and never share bytes with one another', () => {
    const made: (Float32Array | Float64Array | Int32Array)[] = [];
    const ctors = [Float32Array, Float64Array, Int32Array] as const;
    for (let i = 0; i < 3000; i++) {
      const ctor = ctors[i % 3];
      const n = [1, 16, 17, 20, 33, 100, 128, 129, 300][i % 9];
      const a = numericArray(ctor, n);
      expect(a).toBeInstanceOf(ctor);
      expect(a.length).toBe(n);
      expect(a.byteOffset % 8).toBe(0);
      expect(a.every((v) => v === 0)).toBe(true);
      a.fill(i + 1);
      made.push(a);
    }
    // Each still holds what was written into it: no view overlaps a later one.
    made.forEach((a, i) => expect(a.every((v) => v === i + 1)).toBe(true));
  });

  it('give large arrays a buffer of their own', () => {
    const a = numericArray(Float64Array, 10_000);
    expect(a.buffer.byteLength).toBe(80_000);
    expect(a.byteOffset).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { oipInputBatch, positionalNamesCached, type OipTensor } from '../../src/protocols/oip.js';

/**
 * Review of the in-place matrix path: unnamed [N,F] tensors get `<tensor>[j]` names cached per
 * layout, and both the tensor's name and F come from the request. Sixteen cached layouts of 4M
 * names each held ~2.5 GB for the process's life; wide or long-named layouts must not be kept.
 */
const tensor = (name: string, f: number): OipTensor => ({ name, shape: [1, f], datatype: 'FP32', data: new Float32Array(f).fill(0.5) });

describe('positional feature names of unnamed tensors', () => {
  it('keeps no layout wider than a monitor could use, or with a long tensor name, and still names its columns', () => {
    for (let k = 0; k < 20; k++) {
      const batch = oipInputBatch([tensor(`wide${k}`, 50_000)]);
      expect(batch.matrix?.names[49_999]).toBe(`wide${k}[49999]`);
    }
    const long = 'x'.repeat(10_000);
    expect(oipInputBatch([tensor(long, 3)]).columns.has(`${long}[2]`)).toBe(true);
    expect(positionalNamesCached().names).toBe(0);
  });

  it('caches narrow layouts, at most 16 of them, and reuses one names array per layout', () => {
    const first = oipInputBatch([tensor('t', 20)]).matrix?.names;
    expect(oipInputBatch([tensor('t', 20)]).matrix?.names).toBe(first);
    for (let k = 0; k < 40; k++) oipInputBatch([tensor(`t${k}`, 1024)]);
    const cached = positionalNamesCached();
    expect(cached.layouts).toBeGreaterThan(0);
    expect(cached.layouts).toBeLessThanOrEqual(16);
    expect(cached.names).toBeLessThanOrEqual(16 * 1024);
  });
});

import { describe, expect, it } from 'vitest';
import { computeDrift, ProfileBuilder, WindowBuilder, type BaselineProfile } from '@modelwatch/core';
import { rng } from '../helpers/scipy.js';

// A classifier's prediction and confidence are two profiles of ONE output. The engine once matched
// window outputs by output name alone, so the prediction was compared with the confidence counts.
function createRows(n: number, seed: number, confidenceShift: number) {
  const r = rng(seed);
  return Array.from({ length: n }, () => ({
    x: r(),
    cls: r() < 0.5 ? 'rain' : 'sun',
    conf: Math.min(1, 0.5 + 0.4 * r() + confidenceShift),
  }));
}

function buildBaseline(rows: Record<string, unknown>[]): BaselineProfile {
  const b = new ProfileBuilder({
    model: 'm',
    outputs: [
      { name: 'cls', role: 'prediction', output: 'probabilities' },
      { name: 'conf', role: 'confidence', output: 'probabilities' },
    ],
    chunkRows: 500,
  });
  for (const r of rows) b.add(r);
  b.startBinning();
  for (const r of rows) b.add(r);
  return b.finish();
}

describe('output drift with a prediction and a confidence profile of the same output', () => {
  const baseline = buildBaseline(createRows(10_000, 1, 0));

  it('names both profiles after the output and keeps their roles', () => {
    expect(baseline.outputs.map((o) => [o.name, o.output, o.role])).toEqual([
      ['cls', 'probabilities', 'prediction'],
      ['conf', 'probabilities', 'confidence'],
    ]);
  });

  it('compares each role with its own window counts', () => {
    const w = new WindowBuilder(baseline);
    for (const row of createRows(5000, 2, -0.3)) w.add(row);
    const window = w.toWindow({ window: '1h', start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z' });
    // Same order as the baseline would not catch the bug: reverse the window's outputs.
    window.outputs.reverse();
    const report = computeDrift(baseline, window);
    const byName = (n: string) => report.features.find((f) => f.kind === 'output' && f.feature === n)!;
    expect(byName('cls')).toMatchObject({ verdict: 'no_drift', windowSamples: 5000 });
    expect(byName('conf')).toMatchObject({ verdict: 'drift', windowSamples: 5000 });
  });
});

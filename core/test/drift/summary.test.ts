import { describe, expect, it } from 'vitest';
import { computeDrift, summarizeReport, ProfileBuilder, WindowBuilder, type BaselineProfile, type LiveWindow } from '@modelwatch/core';
import { normals } from '../helpers/scipy.js';

function createBaseline(): BaselineProfile {
  const rows = normals(5000, 1, 10, 2).map((x, i) => ({ x, y: i % 3 === 0 ? 'a' : 'b' }));
  const b = new ProfileBuilder({ model: 'm', chunkRows: 500 });
  for (const r of rows) b.add(r);
  b.startBinning();
  for (const r of rows) b.add(r);
  return b.finish();
}

function windowOf(baseline: BaselineProfile, xs: number[]): LiveWindow {
  const w = new WindowBuilder(baseline);
  xs.forEach((x, i) => w.add({ x, y: i % 3 === 0 ? 'a' : 'b' }));
  return w.toWindow({ window: '1m', start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:01:00Z' });
}

const baseline = createBaseline();

describe('summarizeReport', () => {
  it('calls an empty window empty, never "no drift"', () => {
    const report = computeDrift(baseline, windowOf(baseline, []));
    expect(report).toMatchObject({ verdict: 'insufficient_data', windowRows: 0, datasetDrift: false });
    expect(summarizeReport(report)).toMatchObject({ state: 'empty', text: 'no data (window empty, 0 rows)' });
  });

  it('gives the size of a window too small for a verdict and the size needed', () => {
    const report = computeDrift(baseline, windowOf(baseline, normals(12, 2, 10, 2)));
    expect(report.verdict).toBe('insufficient_data');
    expect(summarizeReport(report)).toMatchObject({ state: 'too_small', rows: 12, text: 'too little data for a verdict (12 rows, 30 needed)' });
  });

  it('says no drift with the window size when every feature was judged', () => {
    const report = computeDrift(baseline, windowOf(baseline, normals(2000, 3, 10, 2)));
    expect(report.verdict).toBe('no_drift');
    expect(summarizeReport(report).text).toBe('no drift (2000 rows)');
  });

  it('names the drifted features', () => {
    const report = computeDrift(baseline, windowOf(baseline, normals(2000, 4, 13, 2)));
    expect(report.verdict).toBe('drift');
    expect(summarizeReport(report)).toMatchObject({ state: 'drift', drifted: ['x'], text: 'drift in x (2000 rows)' });
  });
});

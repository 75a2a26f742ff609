import { describe, expect, it } from 'vitest';
import {
  computeDrift,
  ProfileBuilder,
  WindowBuilder,
  DRIFT_METHODS,
  resolveThreshold,
  driftMethod,
  parseDriftOptions,
  type BaselineProfile,
  type LiveWindow,
  type DriftOptions,
} from '@modelwatch/core';
import { normals, rng } from '../helpers/scipy.js';

function createRows(n: number, seed: number, opts: { shift?: number; missingEvery?: number; colours?: string[] } = {}) {
  const r = rng(seed);
  const colours = opts.colours ?? ['red', 'green', 'blue'];
  return normals(n, seed, 10 + (opts.shift ?? 0), 2).map((x, i) => ({
    x: opts.missingEvery && i % opts.missingEvery === 0 ? null : x,
    y: normals(1, seed * 7919 + i, 0, 1)[0],
    colour: colours[Math.floor(r() * colours.length)],
    label: r() < 0.5 ? 'a' : 'b',
  }));
}

function buildBaseline(rows = createRows(20_000, 1)): BaselineProfile {
  const b = new ProfileBuilder({ model: 'm', outputs: [{ name: 'label', role: 'prediction' }], chunkRows: 1000 });
  for (const r of rows) b.add(r);
  b.startBinning();
  for (const r of rows) b.add(r);
  return b.finish();
}

function windowOf(baseline: BaselineProfile, rows: Record<string, unknown>[]): LiveWindow {
  const w = new WindowBuilder(baseline);
  for (const r of rows) w.add(r);
  return w.toWindow({ window: '1h', start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z' });
}

const baseline = buildBaseline();
const input = (report: ReturnType<typeof computeDrift>, name: string, kind = 'input') => report.features.find((f) => f.feature === name && f.kind === kind)!;

describe('computeDrift', () => {
  it('finds no drift on a window from the same distribution', () => {
    const report = computeDrift(baseline, windowOf(baseline, createRows(5000, 2)));
    expect(report.features.filter((f) => f.kind === 'input').map((f) => f.verdict)).toEqual(['no_drift', 'no_drift', 'no_drift']);
    expect(report.datasetDrift).toBe(false);
    expect(report).toMatchObject({ model: 'm', window: '1h', start: '2026-01-01T00:00:00Z', driftedShare: 0, datasetDriftThreshold: 0.5 });
  });

  it('flags a shifted numeric feature and a new category, and the dataset at ≥ 50% drifted', () => {
    const report = computeDrift(baseline, windowOf(baseline, createRows(5000, 3, { shift: 1, colours: ['red', 'purple'] })));
    expect(input(report, 'x')).toMatchObject({ verdict: 'drift', method: 'wasserstein', direction: 'higher_is_drift', thresholdSource: 'calibrated', windowSamples: 5000, baselineSamples: 20_000 });
    expect(input(report, 'colour')).toMatchObject({ verdict: 'drift', method: 'jensenshannon' });
    expect(input(report, 'y').verdict).toBe('no_drift');
    expect(report.driftedShare).toBeCloseTo(2 / 3, 12);
    expect(report.datasetDrift).toBe(true);
  });

  it('uses KS and chi-square p-values for small windows (Evidently rule)', () => {
    const report = computeDrift(baseline, windowOf(baseline, createRows(400, 4, { shift: 1.5 })));
    const x = input(report, 'x');
    expect(x).toMatchObject({ method: 'ks', direction: 'lower_is_drift', threshold: 0.05, thresholdSource: 'default', verdict: 'drift' });
    expect(x.pValue).toBe(x.score);
    expect(input(report, 'colour').method).toBe('chisquare');
  });

  it('says insufficient_data for a window that is too small, with a note', () => {
    const report = computeDrift(baseline, windowOf(baseline, createRows(10, 5)));
    const x = input(report, 'x');
    expect(x).toMatchObject({ verdict: 'insufficient_data', score: null, windowSamples: 10 });
    expect(x.note).toMatch(/fewer than the 30 needed/);
    expect(report.datasetDrift).toBe(false);
  });

  it('reports a window binned with another baseline instead of guessing', () => {
    const window = windowOf(baseline, createRows(2000, 6));
    window.features[0]!.counts.pop();
    expect(input(computeDrift(baseline, window), 'x')).toMatchObject({ verdict: 'insufficient_data', note: expect.stringMatching(/another baseline version/) });
  });

  it('gives insufficient_data for an all-missing feature but flags its missing rate', () => {
    const rows = createRows(2000, 12).map((r) => ({ ...r, x: null }));
    const report = computeDrift(baseline, windowOf(baseline, rows));
    expect(input(report, 'x')).toMatchObject({ verdict: 'insufficient_data', windowSamples: 0 });
    expect(input(report, 'x', 'missing_rate')).toMatchObject({ verdict: 'drift', score: 1 });
    expect(report.driftedShare).toBe(0);
  });

  it('detects missing-rate drift as its own kind', () => {
    const report = computeDrift(baseline, windowOf(baseline, createRows(5000, 7, { missingEvery: 5 })));
    expect(input(report, 'x', 'missing_rate')).toMatchObject({ method: 'linf', verdict: 'drift', score: 0.2 });
    expect(input(report, 'colour', 'missing_rate').verdict).toBe('no_drift');
  });

  it('reports output drift from the prediction column', () => {
    const rows = createRows(3000, 8).map((r) => ({ ...r, label: 'a' }));
    const out = input(computeDrift(baseline, windowOf(baseline, rows)), 'label', 'output');
    expect(out).toMatchObject({ kind: 'output', verdict: 'drift' });
  });

  it('applies overrides with precedence feature > type > global > calibrated > default', () => {
    const window = windowOf(baseline, createRows(5000, 9));
    const options: DriftOptions = { threshold: 0.5, thresholdByType: { categorical: 0.4 }, thresholdByFeature: { y: 0.3 }, methodByFeature: { y: 'psi' } };
    const report = computeDrift(baseline, window, options);
    expect(input(report, 'y')).toMatchObject({ method: 'psi', threshold: 0.3, thresholdSource: 'feature' });
    expect(input(report, 'colour')).toMatchObject({ threshold: 0.4, thresholdSource: 'type' });
    expect(input(report, 'x')).toMatchObject({ threshold: 0.5, thresholdSource: 'global' });
    const uncalibrated = computeDrift(baseline, window, { calibrate: false });
    expect(input(uncalibrated, 'x')).toMatchObject({ threshold: 0.1, thresholdSource: 'default' });
    expect(resolveThreshold('x', 'numeric', driftMethod('psi'), 0.07, {})).toEqual({ threshold: 0.07, source: 'calibrated' });
  });

  it('falls back to the default method when a method does not apply to the feature type', () => {
    const report = computeDrift(baseline, windowOf(baseline, createRows(5000, 10)), { method: 'wasserstein' });
    expect(input(report, 'colour')).toMatchObject({ method: 'jensenshannon', note: expect.stringMatching(/does not apply to categorical/) });
  });

  it('calibrates thresholds at mean + 3σ of chunk-vs-baseline scores', () => {
    const report = computeDrift(baseline, windowOf(baseline, createRows(1000, 11)), { method: 'hellinger' });
    const x = input(report, 'x');
    expect(x.thresholdSource).toBe('calibrated');
    // 1000-row chunks of 20k rows over 22 bins: Hellinger noise is a few hundredths.
    expect(x.threshold).toBeGreaterThan(0.01);
    expect(x.threshold).toBeLessThan(0.1);
  });

  it('scales calibrated thresholds to the window size: quiet on small and large null windows, sensitive on large ones', () => {
    const big = buildBaseline(createRows(50_000, 21)); // 50 chunks of 1,000 rows
    const x = (rows: number, seed: number, shift = 0) => input(computeDrift(big, windowOf(big, createRows(rows, seed, { shift }))), 'x');
    for (const seed of [31, 32, 33]) {
      expect(x(300, seed).verdict).toBe('no_drift'); // small window: KS p-value, not calibrated
      expect(x(20_000, seed)).toMatchObject({ verdict: 'no_drift', method: 'wasserstein', thresholdSource: 'calibrated' });
    }
    // A 0.05σ shift (0.1 in x units, σ = 2): invisible to 1,000-row chunks, clear in 20,000 rows.
    const shifted = x(20_000, 34, 0.1);
    expect(shifted.verdict).toBe('drift');
    const unscaled = x(1001, 35).threshold * Math.sqrt(1001 / 1000); // the chunk-sized threshold
    expect(shifted.threshold).toBeCloseTo(unscaled * Math.sqrt(1000 / 20_000), 2);
    expect(shifted.score!).toBeLessThan(unscaled);
  });

  it('registers every method with types, default threshold and direction', () => {
    for (const m of DRIFT_METHODS.values()) {
      expect(m.types.length).toBeGreaterThan(0);
      expect(m.direction === 'lower_is_drift').toBe(m.isPValue);
    }
    expect([...DRIFT_METHODS.keys()].sort()).toEqual(['chisquare', 'hellinger', 'jensenshannon', 'ks', 'linf', 'psi', 'wasserstein']);
  });
});

describe('parseDriftOptions', () => {
  it('accepts every documented option', () => {
    const options = {
      method: 'psi',
      methodByType: { categorical: 'chisquare' },
      methodByFeature: { age: 'ks' },
      threshold: 0.2,
      thresholdByType: { numeric: 0.15 },
      thresholdByFeature: { age: 0.3 },
      calibrate: false,
      calibrationSigmas: 2.5,
      minSamples: 50,
      smallSampleSize: 2000,
      datasetDriftShare: 0.3,
      missingRateThreshold: 0.1,
    };
    expect(parseDriftOptions(options)).toEqual(options);
    expect(parseDriftOptions(undefined)).toEqual({});
  });

  it.each([
    [{ method: 'magic' }, '$.method', /expected one of ks, chisquare/],
    [{ thresholdByType: { text: 0.1 } }, '$.thresholdByType.text', /numeric or categorical/],
    [{ datasetDriftShare: 1.5 }, '$.datasetDriftShare', /in \(0, 1\]/],
    [{ minSamples: 0 }, '$.minSamples', /integer ≥ 1/],
    [{ thresholds: 0.1 }, '$.thresholds', /unknown option/],
    [{ methodByFeature: { age: 'wasserstien' } }, '$.methodByFeature.age', /expected one of/],
  ])('rejects %j at %s', (options, path, message) => {
    expect(() => parseDriftOptions(options)).toThrow(expect.objectContaining({ code: 'DRIFT_OPTIONS', path, message: expect.stringMatching(message) }));
  });
});

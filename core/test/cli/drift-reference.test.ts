/**
 * `modelwatch drift --reference train.csv --data window.csv`: two raw files compared on their raw
 * values, checked against SciPy (Debian's python3) on the same columns of a real dataset.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { DriftReport } from '@modelwatch/core';
import { run as drift } from '../../../cli/src/commands/drift.js';
import { scipy, TOL } from '../helpers/scipy.js';

const SEATTLE = 'node_modules/vega-datasets/data/seattle-weather.csv';
const dir = mkdtempSync(join(tmpdir(), 'modelwatch-drift-ref-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function capture(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await drift(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** Real rows split by line range into two CSV files. */
function split(from: number, to: number, from2: number, to2: number): { ref: string; cur: string } {
  const lines = readFileSync(SEATTLE, 'utf8').trim().split('\n');
  const ref = join(dir, `ref-${from}-${to}.csv`);
  const cur = join(dir, `cur-${from2}-${to2}.csv`);
  writeFileSync(ref, [lines[0], ...lines.slice(from, to)].join('\n') + '\n');
  writeFileSync(cur, [lines[0], ...lines.slice(from2, to2)].join('\n') + '\n');
  return { ref, cur };
}

function columns(path: string): Record<string, number[]> {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const names = header!.split(',');
  const out: Record<string, number[]> = {};
  for (const n of ['precipitation', 'temp_max', 'temp_min', 'wind']) out[n] = rows.map((r) => Number(r.split(',')[names.indexOf(n)]));
  return out;
}

describe('modelwatch drift --reference', () => {
  it('gives SciPy ks_2samp (method auto, exact here) p-values on raw values for small files', async () => {
    const { ref, cur } = split(1, 731, 1097, 1462); // 2012-2013 vs 2015
    const { code, out } = await capture(['--reference', ref, '--data', cur, '--exclude', 'date', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as DriftReport;
    const a = columns(ref);
    const b = columns(cur);
    const expected = scipy<Record<string, number>>(`out = {k: float(st.ks_2samp(data['a'][k], data['b'][k]).pvalue) for k in data['a']}`, { a, b });
    for (const [name, p] of Object.entries(expected)) {
      const r = report.features.find((f) => f.feature === name && f.kind === 'input')!;
      expect(r.method, name).toBe('ks');
      expect(Math.abs(r.score! - p), `${name}: ${r.score} vs ${p}`).toBeLessThanOrEqual(TOL);
    }
    expect(report.features.find((f) => f.feature === 'weather' && f.kind === 'input')!.method).toBe('chisquare');
  });

  it('gives SciPy wasserstein_distance / reference std on raw values for large files', async () => {
    const { ref, cur } = split(1, 1462, 1, 1462);
    // Over 1,000 values the Evidently rule picks the distance; the window here is the same file
    // shifted by +2.5 °C on temp_max so the score is far from zero.
    const shifted = readFileSync(cur, 'utf8').trim().split('\n');
    const header = shifted[0]!.split(',');
    const t = header.indexOf('temp_max');
    const lines = [shifted[0], ...shifted.slice(1).map((l) => l.split(',').map((c, i) => (i === t ? String(Number(c) + 2.5) : c)).join(','))];
    writeFileSync(cur, lines.join('\n') + '\n');
    const { code, out } = await capture(['--reference', ref, '--data', cur, '--exclude', 'date,weather', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as DriftReport;
    const a = columns(ref);
    const b = columns(cur);
    const expected = scipy<Record<string, number>>(`out = {k: float(st.wasserstein_distance(data['a'][k], data['b'][k]) / np.std(data['a'][k])) for k in data['a']}`, { a, b });
    for (const [name, w] of Object.entries(expected)) {
      const r = report.features.find((f) => f.feature === name && f.kind === 'input')!;
      expect(r.method, name).toBe('wasserstein');
      expect(Math.abs(r.score! - w), `${name}: ${r.score} vs ${w}`).toBeLessThanOrEqual(TOL);
    }
    expect(report.features.find((f) => f.feature === 'temp_max' && f.kind === 'input')!.verdict).toBe('drift');
    expect(report.features.find((f) => f.feature === 'wind' && f.kind === 'input')).toMatchObject({ verdict: 'no_drift', score: 0 });
  });

  it('exits 2 when both --baseline and --reference are given', async () => {
    const { code, err } = await capture(['--baseline', 'x.json', '--reference', 'y.csv', '--data', 'z.csv']);
    expect(code).toBe(2);
    expect(err).toContain('give --baseline or --reference, not both');
  });

  it('says there is no verdict for a data file too small to judge, with its size', async () => {
    const { ref, cur } = split(1, 731, 800, 812);
    const { code, out } = await capture(['--reference', ref, '--data', cur, '--exclude', 'date']);
    expect(code).toBe(0);
    expect(out).toContain('NO VERDICT: too little data for a verdict (12 rows, 30 needed)');
    expect(out).not.toContain('NO DATASET DRIFT');
  });
});

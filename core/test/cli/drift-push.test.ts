/**
 * `modelwatch drift --data scored.csv --push`: a batch scoring job's file, counted on the
 * collector's active baseline and pushed as a window, shows up in the collector's drift
 * evaluation and metrics like live traffic. Real collector (SQLite file), real data.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCollector } from '@modelwatch/collector';
import { run as baseline } from '../../../cli/src/commands/baseline.js';
import { run as drift } from '../../../cli/src/commands/drift.js';

const SEATTLE = 'node_modules/vega-datasets/data/seattle-weather.csv';
const TOKEN = 'batch-token';
const dir = mkdtempSync(join(tmpdir(), 'modelwatch-drift-push-'));
let collector: Awaited<ReturnType<typeof startCollector>>;

async function capture(fn: (argv: string[]) => Promise<number>, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await fn(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

beforeAll(async () => {
  collector = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'c.db'), token: TOKEN, windows: ['1h'], evaluateEvery: '1h', drift: { method: 'psi', threshold: 0.2 } });
  const lines = readFileSync(SEATTLE, 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'train.csv'), [lines[0], ...lines.slice(1, 1097)].join('\n') + '\n');
  // "Scored" last year, summer only: a real shift in temperatures, and the predicted weather.
  const summer = lines.slice(1097).filter((l) => /^\d{4}-(06|07|08)-/.test(l));
  writeFileSync(join(dir, 'scored.csv'), [lines[0], ...summer].join('\n') + '\n');
  const created = await capture(baseline, ['create', '--data', join(dir, 'train.csv'), '--model', 'weather', '--out', join(dir, 'p.json'), '--exclude', 'date', '--outputs', 'weather:prediction']);
  expect(created.code).toBe(0);
  expect((await capture(baseline, ['push', join(dir, 'p.json'), '--collector', collector.url, '--token', TOKEN])).code).toBe(0);
});
afterAll(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('modelwatch drift --push', () => {
  it("sends the file's input and output counts as a window the collector evaluates, once", async () => {
    const first = await capture(drift, ['--data', join(dir, 'scored.csv'), '--push', '--collector', collector.url, '--model', 'weather', '--token', TOKEN]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^pushed 92 rows of .*scored\.csv to http:\/\/127\.0\.0\.1:\d+ as a window of weather \(baseline 1\)$/m);
    // The same file again is a duplicate: never counted twice.
    const again = await capture(drift, ['--data', join(dir, 'scored.csv'), '--push', '--collector', collector.url, '--model', 'weather', '--token', TOKEN]);
    expect(again.out).toMatch(/^already pushed 92 rows/m);

    await collector.evaluate();
    const body = (await (await fetch(`${collector.url}/api/v1/models/weather/drift`)).json()) as {
      reports: { report: { features: { feature: string; kind: string; verdict: string; windowSamples: number }[] } }[];
    };
    const features = body.reports[0]!.report.features;
    expect(features.find((f) => f.feature === 'temp_max' && f.kind === 'input')).toMatchObject({ verdict: 'drift', windowSamples: 92 });
    expect(features.find((f) => f.feature === 'weather' && f.kind === 'output')).toMatchObject({ windowSamples: 92 });
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/modelwatch_drift_detected\{[^}]*feature="temp_max"[^}]*\} 1/);
  });

  it('explains a missing token and a missing --model', async () => {
    const noToken = await capture(drift, ['--data', join(dir, 'scored.csv'), '--push', '--collector', collector.url, '--model', 'weather']);
    expect(noToken.code).toBe(1);
    expect(noToken.err).toMatch(/collector answered 401.*--token/);
    const noModel = await capture(drift, ['--data', join(dir, 'scored.csv'), '--push', '--collector', collector.url]);
    expect(noModel.code).toBe(2);
    expect(noModel.err).toContain('--push needs --model');
  });
});

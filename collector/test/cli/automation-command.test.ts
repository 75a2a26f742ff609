import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newPredictionId } from '@modelwatch/core';
import { run as automation } from '../../../cli/src/commands/automation.js';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { call } from '../helpers/http.js';
import { createRecord } from '../helpers/records.js';

const TOKEN = 'automation-token';
const dir = mkdtempSync(join(tmpdir(), 'mw-automation-'));
let c: RunningCollector;

async function capture(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await automation(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/**
 * A labelled stream worked out by hand: confidence and whether the label agrees with the answer.
 *   >= 0.95: 2 answers, both right            -> share 2/10, accuracy 1
 *   >= 0.90: 4 answers, 3 right               -> share 4/10, accuracy 0.75
 *   >= 0.80: 6 answers, 5 right               -> share 6/10, accuracy 5/6
 *   >= 0.50: all 10, 6 right                  -> share 1,    accuracy 0.6
 * Plus one unlabelled answer and one labelled answer without a confidence, which the report leaves out.
 */
const STREAM: [number, boolean][] = [
  [0.99, true], [0.97, true], [0.93, true], [0.91, false], [0.86, true],
  [0.81, true], [0.74, false], [0.66, true], [0.58, false], [0.52, false],
];

beforeAll(async () => {
  c = await startCollector({ port: 0, db: join(dir, 'c.db'), token: TOKEN, evaluateEvery: '1h', predictionRetention: '1d' });
  const now = Date.now() - 60_000;
  const records = STREAM.map(([confidence], i) =>
    createRecord('loans', 0, { id: newPredictionId(now + i), time: new Date(now + i).toISOString(), prediction: 'approve', confidence }),
  );
  const unlabelled = createRecord('loans', 0, { id: newPredictionId(now + 20), time: new Date(now + 20).toISOString(), confidence: 0.99 });
  const noConfidence = createRecord('loans', 0, { id: newPredictionId(now + 21), time: new Date(now + 21).toISOString(), prediction: 'approve' });
  delete noConfidence.confidence;
  await call(`${c.url}/api/v1/models/loans/predictions`, { body: { records: [...records, unlabelled, noConfidence] }, token: TOKEN });
  const items = [
    ...STREAM.map(([, right], i) => ({ predictionId: records[i].id, label: right ? 'approve' : 'decline' })),
    { predictionId: noConfidence.id, label: 'approve' },
  ];
  const fed = await call(`${c.url}/api/v1/models/loans/feedback`, { body: { items }, token: TOKEN });
  expect(fed.body.outcomes).toEqual({ accepted: 11 });
});
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('modelwatch automation report', () => {
  it('matches the hand computation on a labelled stream (--json)', async () => {
    const r = await capture(['report', '--model', 'loans', '--collector', c.url, '--token', TOKEN, '--thresholds', '0.5,0.8,0.9,0.95', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.labelled).toBe(10);
    expect(report.rows.map((x: { threshold: number }) => x.threshold)).toEqual([0.5, 0.8, 0.9, 0.95]);
    const expected = [
      [10, 1, 0.6],
      [6, 0.6, 5 / 6],
      [4, 0.4, 0.75],
      [2, 0.2, 1],
    ];
    report.rows.forEach((row: { automated: number; share: number; accuracy: number }, i: number) => {
      expect(row.automated).toBe(expected[i][0]);
      expect(row.share).toBeCloseTo(expected[i][1], 12);
      expect(row.accuracy).toBeCloseTo(expected[i][2], 12);
    });
  });

  it('prints a table on a terminal', async () => {
    const r = await capture(['report', '--model', 'loans', '--collector', c.url, '--token', TOKEN, '--thresholds', '0.8,0.99']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^model loans: 10 labelled answers with a confidence, /);
    expect(lines.slice(2)).toEqual([
      'threshold  automated  share  accuracy',
      '0.80               6  60.0%     83.3%',
      '0.99               1  10.0%    100.0%',
    ]);
  });

  it('explains a model without labels and an unreachable collector, exit 1; bad usage exit 2', async () => {
    const none = await capture(['report', '--model', 'nobody', '--collector', c.url, '--token', TOKEN]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/404: MW_ERR_AUTOMATION_NO_LABELS: model "nobody" has no labelled predictions/);
    const down = await capture(['report', '--model', 'loans', '--collector', 'http://127.0.0.1:9']);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/cannot reach the collector at http:\/\/127.0.0.1:9/);
    const usage = await capture(['report', '--collector', c.url]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--model is required/);
    const bad = await capture(['report', '--model', 'loans', '--collector', c.url, '--token', TOKEN, '--thresholds', '2']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/thresholds must be/);
  });
});

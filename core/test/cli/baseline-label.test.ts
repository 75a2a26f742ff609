/**
 * `baseline create --label`: the profile records the reference performance of the prediction
 * output against the label column (the hold-out figures realized performance is compared with).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseBaselineProfile } from '@modelwatch/core';
import { run as baseline } from '../../../cli/src/commands/baseline.js';
import { validate } from '../helpers/json-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-label-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('baseline create --label', () => {
  it('records accuracy, macro F1 and per-class figures of the prediction column and leaves the label out of the features', async () => {
    // 10 rows: 8 predictions right; class b is predicted for one a.
    const rows = ['x,pred,conf,truth'];
    const truth = ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'];
    const pred = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b', 'a'];
    truth.forEach((t, i) => rows.push(`${i},${pred[i]},0.${5 + (i % 5)},${t}`));
    const data = join(dir, 'holdout.csv');
    writeFileSync(data, rows.join('\n') + '\n');
    const out = join(dir, 'profile.json');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const code = await baseline(['create', '--data', data, '--model', 'm', '--out', out, '--outputs', 'pred:prediction,conf:confidence', '--label', 'truth']);
    const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
    log.mockRestore();
    expect(code).toBe(0);
    expect(printed).toContain('reference performance on 10 labelled rows: accuracy 0.8000, macro F1 0.8000');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    const profile = parseBaselineProfile(json);
    expect(profile.features.map((f) => f.name)).toEqual(['x']);
    expect(profile.performance).toMatchObject({ label: 'truth', prediction: 'pred', result: { task: 'classification', n: 10, accuracy: 0.8 } });
    const schema = JSON.parse(readFileSync(new URL('../../schema/baseline.v1.schema.json', import.meta.url), 'utf8'));
    expect(validate(schema, json)).toEqual([]);
  });

  it('refuses a label without a prediction output', async () => {
    const data = join(dir, 'nopred.csv');
    writeFileSync(data, 'x,truth\n1,a\n');
    await expect(baseline(['create', '--data', data, '--model', 'm', '--out', join(dir, 'p.json'), '--label', 'truth'])).rejects.toThrow(/needs a prediction output/);
  });
});

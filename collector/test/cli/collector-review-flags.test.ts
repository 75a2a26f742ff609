import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The built CLI, run as a user runs it: bad review and retraining options fail before listening.
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../cli/bin/modelwatch.js');
const dir = mkdtempSync(join(tmpdir(), 'mw-collector-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function collector(args: string[]) {
  return spawnSync(process.execPath, [BIN, 'collector', '--port', '0', '--db', ':memory:', ...args], { encoding: 'utf8', timeout: 20_000 });
}

describe('modelwatch collector review and retraining options', () => {
  it('exits 2 naming a bad overflow policy', () => {
    const r = collector(['--review-overflow', 'shuffle']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/MW_COLLECTOR_REVIEW: .*review.overflow "shuffle" must be drop-oldest or refuse-new/);
  });

  it('exits 2 naming the key of a bad retraining policy', () => {
    const file = join(dir, 'retraining.json');
    writeFileSync(file, JSON.stringify({ webhookUrl: 'http://127.0.0.1:9/hook', models: { loans: { performance: { metric: 'accuracy', for: '30m' } } } }));
    const r = collector(['--retraining-config', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/retraining.models.loans.performance: give threshold, belowReferenceBy or both/);
  });

  it('lists the options in --help', () => {
    const r = spawnSync(process.execPath, [BIN, 'collector', '--help'], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/--review-overflow P/);
    expect(r.stdout).toMatch(/--retraining-config FILE/);
  });
});

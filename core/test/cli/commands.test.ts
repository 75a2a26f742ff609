/**
 * The `baseline` and `drift` commands end to end on real files (vega-datasets' Seattle weather)
 * and against a real collector (SQLite store in a temp dir) for `baseline push`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCollector } from '@modelwatch/collector';
import { parseBaselineProfile } from '@modelwatch/core';
import { run as baseline } from '../../../cli/src/commands/baseline.js';
import { run as drift } from '../../../cli/src/commands/drift.js';

const SEATTLE = 'node_modules/vega-datasets/data/seattle-weather.csv';
const dir = mkdtempSync(join(tmpdir(), 'modelwatch-cli-'));
const TOKEN = 'test-token';
let collector: Awaited<ReturnType<typeof startCollector>>;

beforeAll(async () => {
  collector = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'collector.db'), token: TOKEN });
});
afterAll(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a command, capturing what it prints. */
async function capture(fn: (argv: string[]) => Promise<number>, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await fn(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** Splits the real CSV: the first three years train, the last one is the "recent" window. */
function splitSeattle(): { train: string; recent: string } {
  const lines = readFileSync(SEATTLE, 'utf8').trim().split('\n');
  const train = join(dir, 'train.csv');
  const recent = join(dir, 'recent.csv');
  writeFileSync(train, [lines[0], ...lines.slice(1, 1097)].join('\n') + '\n');
  writeFileSync(recent, [lines[0], ...lines.slice(1097)].join('\n') + '\n');
  return { train, recent };
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('modelwatch baseline create', () => {
  it('profiles a CSV into a valid profile file', async () => {
    const { train } = splitSeattle();
    const out = join(dir, 'profile.json');
    const r = await capture(baseline, ['create', '--data', train, '--model', 'seattle-weather', '--out', out, '--exclude', 'date', '--outputs', 'weather:prediction', '--bins', '10']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote .*profile\.json: model seattle-weather, 1096 rows, 4 features, 1 outputs/);
    expect(r.err).toBe(''); // no progress bar when stderr is not a terminal
    const profile = parseBaselineProfile(JSON.parse(readFileSync(out, 'utf8')));
    expect(profile.features.map((f) => f.name)).toEqual(['precipitation', 'temp_max', 'temp_min', 'wind']);
  });

  it('honours --features with explicit types', async () => {
    const out = join(dir, 'typed.json');
    const r = await capture(baseline, ['create', '--data', SEATTLE, '--model', 'm', '--out', out, '--features', 'wind:categorical,temp_max']);
    expect(r.code).toBe(0);
    const profile = parseBaselineProfile(JSON.parse(readFileSync(out, 'utf8')));
    expect(profile.features.map((f) => `${f.name}:${f.type}`)).toEqual(['temp_max:numeric', 'wind:categorical']);
  });

  it('reports bad rows with line and column, and fails on them with --strict', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n3\n4,5\n');
    const lenient = await capture(baseline, ['create', '--data', bad, '--model', 'm', '--out', join(dir, 'bad.json')]);
    expect(lenient.code).toBe(0);
    expect(lenient.err).toContain(`skipped 1 bad rows`);
    expect(lenient.err).toContain(`${bad}:3:2: expected 2 fields, found 1`);
    const strict = await capture(baseline, ['create', '--data', bad, '--model', 'm', '--out', join(dir, 'bad.json'), '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.err).toContain(`${bad}:3:2: expected 2 fields, found 1`);
  });

  it('refuses to write a profile of a file with no data rows', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, 'a,b\n');
    const r = await capture(baseline, ['create', '--data', empty, '--model', 'm', '--out', join(dir, 'empty.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no data rows in .*empty\.csv; nothing written/);
  });

  it('exits 2 with a clear message on bad flags', async () => {
    expect((await capture(baseline, ['create', '--model', 'm'])).err).toMatch(/--data is required/);
    const r = await capture(baseline, ['create', '--data', SEATTLE, '--model', 'm', '--out', 'x.json', '--bins', 'many']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--bins must be a positive integer, got "many"/);
    expect((await capture(baseline, ['create', '--nope'])).code).toBe(2);
  });
});

describe('modelwatch baseline push', () => {
  it('uploads to a real collector, which makes it the active baseline', async () => {
    const profile = join(dir, 'profile.json');
    const r = await capture(baseline, ['push', profile, '--collector', collector.url, '--token', TOKEN]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/pushed .*: model seattle-weather, version \S+, active/);
    const res = await fetch(`${collector.url}/api/v1/models/seattle-weather/baselines/active`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { rows: number }).rows).toBe(1096);
  });

  it('uploads without activating with --no-activate, token from MODELWATCH_TOKEN', async () => {
    vi.stubEnv('MODELWATCH_TOKEN', TOKEN);
    try {
      const r = await capture(baseline, ['push', join(dir, 'profile.json'), '--collector', collector.url, '--no-activate']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/not active/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('explains a 401 and a refused connection', async () => {
    const unauthorised = await capture(baseline, ['push', join(dir, 'profile.json'), '--collector', collector.url, '--token', 'wrong']);
    expect(unauthorised.code).toBe(1);
    expect(unauthorised.err).toMatch(/401 unauthorised.*--token or set MODELWATCH_TOKEN/);
    const refused = await capture(baseline, ['push', join(dir, 'profile.json'), '--collector', `http://127.0.0.1:${await closedPort()}`]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/cannot reach the collector at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('refuses an invalid profile before sending it', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ schema: 'modelwatch.baseline/v1', model: 'm' }));
    const r = await capture(baseline, ['push', broken, '--collector', collector.url]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/BASELINE_FORMAT: \$\.createdAt/);
  });
});

describe('modelwatch drift', () => {
  it('prints a table and says whether the dataset drifts', async () => {
    const { recent } = splitSeattle();
    const r = await capture(drift, ['--baseline', join(dir, 'profile.json'), '--data', recent]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^feature\s+kind\s+method\s+score\s+threshold/m);
    expect(r.out).toMatch(/^temp_max\s+input\s+ks\s/m);
    expect(r.out).toMatch(/(NO DATASET DRIFT|DATASET DRIFT): \d of 4 features drifted/);
  });

  it('prints the report as JSON with --json', async () => {
    const { recent } = splitSeattle();
    const r = await capture(drift, ['--baseline', join(dir, 'profile.json'), '--data', recent, '--json', '--method', 'psi']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ model: 'seattle-weather', rows: 365, badRows: 0 });
    expect(report.features.filter((f: { kind: string }) => f.kind === 'input').every((f: { method: string }) => f.method === 'psi')).toBe(true);
  });

  it('exits 2 on a bad method and 1 on a missing file', async () => {
    expect((await capture(drift, ['--baseline', 'x', '--data', 'y', '--method', 'magic'])).code).toBe(2);
    const missing = await capture(drift, ['--baseline', join(dir, 'nope.json'), '--data', SEATTLE]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ENOENT/);
  });
});

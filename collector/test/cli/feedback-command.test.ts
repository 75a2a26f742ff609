import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPredictionId } from '@modelwatch/core';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { createRecord } from '../helpers/records.js';

// The built CLI, run as a user runs it, against a real collector (SQLite file).
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../cli/bin/modelwatch.js');
const TOKEN = 'labeller-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mw-feedback-cli-'));
let c: RunningCollector;

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'feedback', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MODELWATCH_TOKEN: TOKEN } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  c = await startCollector({ port: 0, db: join(dir, 'c.db'), tokens: [{ name: 'lab', token: TOKEN, scopes: ['labeller', 'writer', 'reader'] }], evaluateEvery: '1h' });
});
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('modelwatch feedback push', () => {
  it('sends a label file in batches and prints every outcome', async () => {
    const now = Date.now();
    const records = Array.from({ length: 7 }, (_, i) => createRecord('weather', i, { id: newPredictionId(now - 10_000 + i), time: new Date(now - 10_000 + i).toISOString() }));
    const res = await fetch(`${c.url}/api/v1/models/weather/predictions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ records }),
    });
    expect(res.status).toBe(202);
    const rows = [
      'prediction_id,label,event,time',
      ...records.slice(0, 5).map((r, i) => `${r.id},${i % 2 ? 'rain' : 'sun'},,2026-11-29T05:00:00Z`),
      `${records[5].id},,redo,`,
      `${records[0].id},"rain",,`,
      'never-seen-1,sun,,',
    ];
    const file = join(dir, 'labels.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const r = await cli(['push', file, '--model', 'weather', '--collector', c.url, '--batch', '3']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // never-seen-1 has no record yet: the collector holds its label (pending) instead of losing it.
    expect(r.stdout).toContain('8 rows sent to weather: 6 accepted, 1 duplicate, 1 pending');
    expect(r.stdout).toContain('1 pending: their prediction records have not reached the collector yet');
    const stored = await (await fetch(`${c.url}/api/v1/models/weather/predictions/${records[1].id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(stored.label).toBe('rain');
    expect(stored.labelTime).toBe('2026-11-29T05:00:00.000Z');
  });

  it('names the line of a bad row and sends nothing after it', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'prediction_id,value\nabc-1,2.5\nabc-2,high\n');
    const r = await cli(['push', file, '--model', 'weather', '--collector', c.url]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bad.csv:3: row.value must be a finite number');
  });

  it('exits 2 with the usage for a file without a prediction id column', async () => {
    const file = join(dir, 'noid.csv');
    writeFileSync(file, 'label\nsun\n');
    const r = await cli(['push', file, '--model', 'weather', '--collector', c.url]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('needs a prediction_id column');
  });

  it('reports a refused token as a failure, not as success', async () => {
    const file = join(dir, 'one.csv');
    writeFileSync(file, 'id,label\nabc-1,sun\n');
    const r = await cli(['push', file, '--model', 'weather', '--collector', c.url, '--token', 'wrong-token-0123456789']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('HTTP 401 MW_ERR_AUTH_INVALID_TOKEN');
  });
});

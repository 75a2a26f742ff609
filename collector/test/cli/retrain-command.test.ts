import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as retrain } from '../../../cli/src/commands/retrain.js';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { call } from '../helpers/http.js';

const TOKEN = 'retrain-token';
const dir = mkdtempSync(join(tmpdir(), 'mw-retrain-'));
let c: RunningCollector;
let plain: RunningCollector;
let receiver: Server;
const received: any[] = [];

async function capture(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await retrain(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

beforeAll(async () => {
  // A real receiver standing in for a CI job's webhook.
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += String(d)));
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, body: JSON.parse(text) });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ci/retrain`;
  c = await startCollector({
    port: 0,
    db: join(dir, 'c.db'),
    token: TOKEN,
    evaluateEvery: '1h',
    retraining: { webhookUrl: hook, webhookHeaders: { authorization: 'Bearer ci-secret' }, models: { '*': { conceptDrift: true, exportPeriod: '1d' } } },
  });
  plain = await startCollector({ port: 0, db: join(dir, 'plain.db'), token: TOKEN, evaluateEvery: '1h' });
});
afterAll(async () => {
  await Promise.all([c?.close(), plain?.close()]);
  await new Promise((r) => receiver?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('modelwatch retrain', () => {
  it('triggers the webhook by hand with the note and a working link to the training data, and lists the history', async () => {
    const r = await capture(['--model', 'weather', '--note', 'new labels from the review queue', '--collector', c.url, '--token', TOKEN]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^retraining of weather triggered \(.+\): webhook delivered; training data: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/models\/weather\/dataset\?/);
    expect(received.length).toBe(1);
    expect(received[0].auth).toBe('Bearer ci-secret');
    expect(received[0].body).toMatchObject({ model: 'weather', reason: 'manual', evidence: { note: 'new labels from the review queue' }, export: { labelled: true, format: 'parquet' } });
    // The link works for a reader of the collector: a Parquet file (no rows yet).
    const file = await fetch(received[0].body.export.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).subarray(0, 4).toString()).toBe('PAR1');
    const history = await capture(['--model', 'weather', '--history', '--collector', c.url, '--token', TOKEN]);
    expect(history.out).toMatch(/manual\s+delivered\s+/);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/modelwatch_retraining_triggers_total\{model="weather",reason="manual",outcome="delivered"\} 1/);
  });

  it('needs a writer token, and says so when no webhook is configured', async () => {
    const noToken = await call(`${c.url}/api/v1/models/weather/retraining`, { body: {} });
    expect(noToken.status).toBe(401);
    const off = await capture(['--model', 'weather', '--collector', plain.url, '--token', TOKEN]);
    expect(off.code).toBe(1);
    expect(off.err).toMatch(/409: MW_ERR_RETRAINING_OFF/);
  });
});

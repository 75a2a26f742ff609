import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, TokenTable } from '../../src/index.js';
import { profileRawData } from '../../src/api/raw-profile.js';
import { buildTestApp } from '../helpers/app.js';
import { createProfile } from '../helpers/factories.js';

/** Issue 12, items 2 and 8: hostile requests the collector answered 500, or accepted though wrong. */
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(tokens?: TokenTable): Promise<{ url: string; store: MemoryStore; logged: string[] }> {
  const store = new MemoryStore();
  await store.putBaseline('m', createProfile('m'), true);
  const logged: string[] = [];
  const app = buildTestApp({ store, tokens, profileRawData, maxBodyBytes: 8 * 1024 * 1024, log: (l) => logged.push(l) });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, store, logged };
}

async function send(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  expect(res.headers.get('content-type') ?? '').toMatch(/json/);
  return { status: res.status, body: JSON.parse(text) };
}

describe('hostile input to the collector', () => {
  it('answers 400 for a bad percent-encoding in a path, with or without tokens configured', async () => {
    for (const tokens of [undefined, new TokenTable([{ name: 'r', token: 'r'.repeat(20), scopes: ['reader'] }])]) {
      const { url, logged } = await serve(tokens);
      for (const path of ['/api/v1/models/%/drift', '/api/v1/models/%/baselines', '/api/v1/models/m/baselines/%', '/api/v1/models/%E0%A4%A/drift']) {
        const res = await send(`${url}${path}`);
        expect([400, 401], path).toContain(res.status);
        if (res.status === 400) expect(res.body.code, path).toBe('MW_ERR_REQUEST_BAD_PATH');
      }
      const del = await send(`${url}/api/v1/models/m/baselines/%`, { method: 'DELETE' });
      expect([400, 401]).toContain(del.status);
      expect(logged).toEqual([]);
      await new Promise<void>((r) => server!.close(() => r()));
      server = undefined;
    }
  });

  it('answers 400 for a profile nested 5,000 levels deep', async () => {
    const { url, logged } = await serve();
    let deep = '1';
    for (let i = 0; i < 5000; i++) deep = `[${deep}]`;
    for (const body of [
      `{"schema":${deep}}`,
      `{"schema":"modelwatch.baseline/v1","model":${deep}}`,
      `{"schema":"modelwatch.baseline/v1","model":"m","createdAt":"2026-01-01T00:00:00Z","rows":1,"features":[${deep}],"outputs":[]}`,
    ]) {
      const res = await send(`${url}/api/v1/models/m/baselines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MW_ERR_BASELINE_INVALID');
      expect(res.body.error.length).toBeLessThan(300);
    }
    expect(logged).toEqual([]);
  });

  it('refuses a binary file uploaded as CSV instead of activating a garbage baseline', async () => {
    const { url, store } = await serve();
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0xfe, 0x2c, 0x01, 0x0a, 0x31, 0x2c, 0x32, 0x0a]);
    const res = await send(`${url}/api/v1/models/m/baselines`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: binary });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('MW_ERR_BASELINE_UNREADABLE_DATA');
    expect((await store.listBaselines('m')).map((b) => b.version)).toEqual(['1']);
    // Valid UTF-8 with control characters in the header is not a name either.
    const ctrl = await send(`${url}/api/v1/models/m/baselines`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a\u0001b,c\n1,2\n3,4\n' });
    expect(ctrl.status).toBe(400);
    expect(ctrl.body.error).toMatch(/not a printable name/);
  });

  it('refuses a 100,000-column CSV from its header, before profiling it', async () => {
    const { url } = await serve();
    const header = Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',');
    const row = Array.from({ length: 100_000 }, (_, i) => String(i % 7)).join(',');
    const res = await send(`${url}/api/v1/models/m/baselines`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `${header}\n${row}\n${row}\n` });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'MW_ERR_BASELINE_TOO_MANY_COLUMNS' });
    expect(res.body.error).toMatch(/more than 2000 columns/);
  });

  it('refuses JSONL whose lines add up to too many distinct keys', async () => {
    const { url } = await serve();
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ [`k${i}`]: i })).join('\n');
    const res = await send(`${url}/api/v1/models/m/baselines`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/more than 2000 columns/);
  });
});

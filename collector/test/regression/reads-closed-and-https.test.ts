import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { createTestPki, type TestPki } from '../../../core/test/helpers/certs.js';
import { createProfile } from '../helpers/factories.js';

/**
 * Issue 12, item 3: `GET …/baselines/active` gave category values with counts, bin edges and the
 * training file's path to anyone, there was no way to require auth on reads, and the collector
 * could not serve HTTPS.
 */
const READER = 'reader-token-for-item-3';
const WRITER = 'writer-token-for-item-3';
let pki: TestPki;
let c: RunningCollector;

function call(path: string, init: { method?: string; token?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${c.url}${path}`, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      ca: readFileSync(pki.ca),
      agent: false,
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let body = '';
      res.on('data', (d) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

beforeAll(async () => {
  pki = createTestPki();
  const tokens = join(pki.dir, 'tokens.json');
  writeFileSync(tokens, JSON.stringify([{ name: 'dashboards', token: READER, scopes: ['reader'] }, { name: 'ci', token: WRITER, scopes: ['writer'] }]));
  c = await startCollector({ port: 0, db: ':memory:', evaluateEvery: '1h', tokensFile: tokens, tlsCert: pki.serverCert, tlsKey: pki.serverKey });
});
afterAll(async () => {
  await c?.close();
  pki?.cleanup();
});

describe('collector reads and transport', () => {
  it('serves over HTTPS and keeps the active baseline from anyone without a reader token', async () => {
    expect(c.url).toMatch(/^https:/);
    const profile = { ...createProfile('m'), metadata: { source: '/data/secret/training.csv' } };
    const upload = await call('/api/v1/models/m/baselines', { token: WRITER, body: JSON.stringify(profile) });
    expect(upload.status, upload.body).toBe(201);
    const anonymous = await call('/api/v1/models/m/baselines/active');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).not.toContain('/data/secret');
    expect((await call('/api/v1/models/m/baselines/active', { token: WRITER })).status).toBe(403);
    const reader = await call('/api/v1/models/m/baselines/active', { token: READER });
    expect(reader.status).toBe(200);
    expect(reader.body).toContain('/data/secret/training.csv');
  });
});

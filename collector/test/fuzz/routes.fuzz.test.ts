import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriftMetrics, MemoryStore, TokenTable, validatePushedWindow } from '../../src/index.js';
import { profileRawData } from '../../src/api/raw-profile.js';
import { buildTestApp } from '../helpers/app.js';
import { createProfile, createPushedWindow } from '../helpers/factories.js';
import { fuzz, hostileBody, hostileJsonValue, mutate } from '../../../core/test/helpers/fuzz.js';

/**
 * Hostile requests to every collector route: the answer is a 2xx or a 4xx with a JSON error body
 * from the catalogue, never a 5xx, and nothing is logged as an internal error.
 */
const TOKEN = 'fuzz-admin-token-0123456789';
const READER = 'fuzz-reader-token-0123456789';
let server: Server;
let base: string;
const logged: string[] = [];

beforeAll(async () => {
  const store = new MemoryStore();
  await store.putBaseline('m', createProfile('m'), true);
  const app = buildTestApp({
    store,
    metrics: new DriftMetrics(false),
    tokens: new TokenTable([{ name: 'admin', token: TOKEN, scopes: ['admin'] }, { name: 'reader', token: READER, scopes: ['reader'] }]),
    maxBodyBytes: 256 * 1024,
    profileRawData,
    latestReports: () => [],
    log: (l) => logged.push(l),
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('m', 'ghost', '1', '2', 'active', '999999999999') },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '%2e%2e', 'a%00b', '%F0%9F%98') },
);
const ROUTES: [string, (s: string[]) => string][] = [
  ['GET', () => '/api/v1/models'],
  ['POST', (s) => `/api/v1/models/${s[0]}/baselines`],
  ['GET', (s) => `/api/v1/models/${s[0]}/baselines`],
  ['GET', (s) => `/api/v1/models/${s[0]}/baselines/active`],
  ['GET', (s) => `/api/v1/models/${s[0]}/baselines/${s[1]}`],
  ['POST', (s) => `/api/v1/models/${s[0]}/baselines/${s[1]}/activate`],
  ['DELETE', (s) => `/api/v1/models/${s[0]}/baselines/${s[1]}`],
  ['POST', (s) => `/api/v1/models/${s[0]}/windows`],
  ['GET', (s) => `/api/v1/models/${s[0]}/drift`],
  ['GET', (s) => `/api/v1/models/${s[0]}/drift/history`],
  ['GET', () => '/healthz'],
  ['GET', () => '/readyz'],
  ['GET', () => '/openapi.json'],
  ['PUT', (s) => `/api/v1/${s[0]}`],
];
const query = fc.oneof(fc.constant(''), fc.constantFrom('?activate=false', '?activate=maybe', '?limit=0', '?limit=5&window=1h', '?limit=5&limit=6', '?window=a&window=b', '?limit=1e3', '?%=%'));
const body = fc.oneof(
  hostileBody(createProfile('m')),
  hostileBody(createPushedWindow({ model: 'm' })),
  fc.constantFrom('a,b\n1,2\n3,x\n', 'x\n1\n2\n', '{"a":1}\n{"b":"c"}\n', 'PAR1\u0000\u0000PAR1').map((t) => Buffer.from(t)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);
const contentType = fc.constantFrom(undefined, 'application/json', 'text/csv', 'application/x-ndjson', 'application/vnd.apache.parquet', 'text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x');
const auth = fc.constantFrom(undefined, `Bearer ${TOKEN}`, `Bearer ${READER}`, 'Bearer wrong', 'Basic Zm9vOmJhcg==', `bearer ${TOKEN}`, 'Bearer');

describe('fuzz: collector routes', () => {
  it('answers every hostile request with a 2xx or a 4xx JSON error, never a 5xx', async () => {
    const request = fc.record({ route: fc.constantFrom(...ROUTES), segs: fc.array(segment, { minLength: 2, maxLength: 2 }), query, body, contentType, auth });
    await fuzz('collector routes', request, async (r) => {
      const [method, path] = r.route;
      const headers: Record<string, string> = {};
      if (r.contentType) headers['content-type'] = r.contentType;
      if (r.auth) headers.authorization = r.auth;
      const res = await fetch(`${base}${path(r.segs)}${r.query}`, { method, headers, ...(method === 'GET' ? {} : { body: new Uint8Array(r.body) }) });
      const text = await res.text();
      expect(res.status, `${method} ${path(r.segs)}: ${text.slice(0, 200)}`).toBeLessThan(500);
      if (res.status >= 400) {
        expect(res.headers.get('content-type') ?? '').toMatch(/application\/json/);
        const parsed = JSON.parse(text) as { error: string; code: string };
        expect(parsed.code).toMatch(/^MW_/);
      }
    }, 500);
    expect(logged).toEqual([]);
  });

  it('push validator: a window or a reason, for any body', async () => {
    const arb = fc.oneof(mutate(createPushedWindow({ model: 'm' })), hostileJsonValue);
    await fuzz('validatePushedWindow', arb, (raw) => {
      const r = validatePushedWindow(raw, 'm');
      if (!r.ok) expect(r.error.length).toBeLessThan(1000);
    }, 800);
  });
});

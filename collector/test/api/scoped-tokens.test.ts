import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DriftMetrics, MemoryStore, TokenTable, type TokenSpec } from '../../src/index.js';
import { buildTestApp } from '../helpers/app.js';
import { createProfile, createPushedWindow } from '../helpers/factories.js';
import { call } from '../helpers/http.js';

const READER = 'reader-token-0123456789';
const WRITER = 'writer-token-0123456789';
const LABELLER = 'labeller-token-0123456789';
const ADMIN = 'admin-token-0123456789';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(specs: TokenSpec[]): Promise<{ url: string; metrics: DriftMetrics }> {
  const metrics = new DriftMetrics(false);
  const store = new MemoryStore();
  await store.putBaseline('m', createProfile('m'), true);
  const app = buildTestApp({ store, metrics, tokens: new TokenTable(specs), maxBodyBytes: 64 * 1024 });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`, metrics };
}

const ALL: TokenSpec[] = [
  { name: 'grafana', token: READER, scopes: ['reader'] },
  { name: 'ci', token: WRITER, scopes: ['writer'] },
  { name: 'labels', token: LABELLER, scopes: ['labeller'] },
  { name: 'ops', token: ADMIN, scopes: ['admin'] },
];

describe('scoped tokens', () => {
  it('closes reads once a token has the reader scope, and opens them to reader and admin tokens', async () => {
    const { url } = await serve(ALL);
    const anonymous = await call(`${url}/models/m/baselines/active`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('MW_ERR_AUTH_MISSING_TOKEN');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    for (const path of ['/models', '/models/m/baselines', '/models/m/baselines/1', '/models/m/drift', '/models/m/drift/history']) {
      expect((await call(`${url}${path}`)).status, path).toBe(401);
      expect((await call(`${url}${path}`, { token: READER })).status, path).toBe(200);
      expect((await call(`${url}${path}`, { token: ADMIN })).status, path).toBe(200);
    }
  });

  it('answers 403 naming the token and the scope when a known token lacks it', async () => {
    const { url } = await serve(ALL);
    const res = await call(`${url}/models/m/baselines`, { body: createProfile('m'), token: READER });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ code: 'MW_ERR_AUTH_FORBIDDEN', error: 'token "grafana" lacks the writer scope this request needs' });
    expect((await call(`${url}/models/m/baselines/active`, { token: WRITER })).status).toBe(403);
    expect((await call(`${url}/models/m/baselines/active`, { token: LABELLER })).status).toBe(403);
  });

  it('lets writer and admin tokens upload, push and activate', async () => {
    const { url } = await serve(ALL);
    for (const token of [WRITER, ADMIN]) {
      expect((await call(`${url}/models/m/baselines`, { body: createProfile('m'), token })).status).toBe(201);
      expect((await call(`${url}/models/m/windows`, { body: createPushedWindow({ model: 'm', seq: token.length }), token })).status).toBe(202);
      expect((await call(`${url}/models/m/baselines/1/activate`, { method: 'POST', token })).status).toBe(200);
    }
    expect((await call(`${url}/models/m/baselines`, { body: createProfile('m'), token: LABELLER })).status).toBe(403);
  });

  it('keeps reads open when no token has the reader scope, but still guards writes', async () => {
    const { url } = await serve([{ name: 'ci', token: WRITER, scopes: ['writer'] }]);
    expect((await call(`${url}/models/m/baselines/active`)).status).toBe(200);
    expect((await call(`${url}/models/m/baselines`, { body: createProfile('m') })).status).toBe(401);
  });

  it('leaves everything open when no token is configured', async () => {
    const { url } = await serve([]);
    expect((await call(`${url}/models/m/baselines/active`)).status).toBe(200);
    expect((await call(`${url}/models/m/baselines`, { body: createProfile('m') })).status).toBe(201);
  });

  it('refuses malformed Authorization headers as a missing token and counts refusals by reason', async () => {
    const { url, metrics } = await serve(ALL);
    for (const header of ['Basic abc', 'Bearer', 'Bearer a b', `bearer  ${READER}x`]) {
      const res = await fetch(`${url}/models`, { headers: { authorization: header } });
      expect(res.status, header).toBe(401);
    }
    await call(`${url}/models/m/baselines`, { body: createProfile('m'), token: READER });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/modelwatch_collector_auth_failures_total\{reason="missing_token"\} 3/);
    expect(text).toMatch(/modelwatch_collector_auth_failures_total\{reason="invalid_token"\} 1/);
    expect(text).toMatch(/modelwatch_collector_auth_failures_total\{reason="forbidden"\} 1/);
  });

  it('keeps health, readiness, metrics and the API description open to the scraper', async () => {
    const { url } = await serve(ALL);
    const root = url.replace(/\/api\/v1$/, '');
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await fetch(`${root}${path}`)).status, path).toBe(200);
    }
  });
});

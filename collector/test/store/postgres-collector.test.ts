import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { crashDuringUploads } from '../helpers/crash.js';
import { createProfile, createPushedWindow } from '../helpers/factories.js';
import { call } from '../helpers/http.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server?.stop());

async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return server.url.replace(/\/postgres$/, `/${name}`);
}

describe('collector on PostgreSQL', () => {
  let c: RunningCollector;
  afterAll(async () => c?.close());

  it('serves uploads, pushes and drift from a real PostgreSQL when databaseUrl is set', async () => {
    const url = await freshDatabase('collector_e2e');
    c = await startCollector({ port: 0, databaseUrl: url, db: '/nonexistent/dir/never-used.db', evaluateEvery: '1h', windows: ['15m'] });
    expect((await call(`${c.url}/api/v1/models/shop/baselines`, { body: createProfile('shop') })).status).toBe(201);
    const w = createPushedWindow({ model: 'shop', features: [{ name: 'x', type: 'numeric', counts: [0, 0, 0, 300], missing: 0 }] });
    expect((await call(`${c.url}/api/v1/models/shop/windows`, { body: w })).body.status).toBe('accepted');
    expect((await call(`${c.url}/api/v1/models/shop/windows`, { body: w })).body.status).toBe('duplicate');
    await c.evaluate();
    const history = await call(`${c.url}/api/v1/models/shop/drift/history`);
    expect(history.body.history[0].report.features[0]).toMatchObject({ feature: 'x', verdict: 'drift', windowSamples: 300 });
    expect((await call(`${c.url}/readyz`)).status).toBe(200);
  });
});

describe('PostgreSQL store after a crash mid-upload', () => {
  it('keeps whole versions and a valid active pointer when the uploading process is killed', async () => {
    const url = await freshDatabase('crash');
    const reported = await crashDuringUploads('postgres', url, 3);
    const store = await PostgresStore.open(url);
    try {
      const versions = await store.listBaselines('m');
      expect(versions.length === reported || versions.length === reported + 1).toBe(true);
      expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => String(i + 1)));
      const active = await store.getActiveBaseline('m');
      expect(active?.version).toBe(String(versions.length));
      expect(Object.keys(active!.metadata!)).toHaveLength(40_000);
      expect((await store.putBaseline('m', createProfile('m'), true)).version).toBe(String(versions.length + 1));
    } finally {
      await store.close();
    }
  });
});

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DriftMetrics, MemoryStore } from '../../src/index.js';
import { call } from '../helpers/http.js';
import { buildTestApp } from '../helpers/app.js';

/** A store whose database is gone: every call fails with a message full of internals. */
class BrokenStore extends MemoryStore {
  override async listModels(): Promise<never> {
    throw new Error('SQLITE_CANTOPEN: /var/lib/secret/modelwatch.db');
  }
  override async hasModel(): Promise<never> {
    throw new Error('connection to 10.0.0.7:5432 refused for user admin');
  }
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

const logged: string[] = [];
let metrics: DriftMetrics;

async function serve(): Promise<string> {
  const store = new BrokenStore();
  logged.length = 0;
  metrics = new DriftMetrics(false);
  const app = buildTestApp({
    store,
    metrics,
    log: (line) => logged.push(line),
    ready: async () => {
      await store.listModels();
      return true;
    },
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('internal errors', () => {
  it('returns a 500 that leaks nothing, with a correlation id that finds the one log line', async () => {
    const url = await serve();
    const ids: string[] = [];
    for (const path of ['/api/v1/models', '/api/v1/models/m/baselines']) {
      const res = await call(`${url}${path}`);
      expect(res.status).toBe(500);
      expect(res.body.code).toBe('MW_ERR_INTERNAL');
      expect(res.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.error).toBe(`internal error (correlation id ${res.body.correlationId})`);
      expect(JSON.stringify(res.body)).not.toMatch(/secret|10\.0\.0\.7|SQLITE/);
      ids.push(res.body.correlationId);
    }
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids) expect(logged.filter((l) => l.includes(id))).toHaveLength(1);
    expect(logged.join('\n')).toContain('SQLITE_CANTOPEN');
  });

  it('counts every 500 in modelwatch_collector_internal_errors_total', async () => {
    const url = await serve();
    for (let i = 0; i < 3; i++) await call(`${url}/api/v1/models`);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^modelwatch_collector_internal_errors_total 3$/m);
  });

  it('reports not ready with 503 when the store fails', async () => {
    const url = await serve();
    expect(await call(`${url}/readyz`)).toMatchObject({ status: 503, body: { error: 'store unavailable' } });
  });
});

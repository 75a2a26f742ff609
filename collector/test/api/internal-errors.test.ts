import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
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

async function serve(): Promise<string> {
  const store = new BrokenStore();
  const app = buildTestApp({
    store,
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
  it('returns a bare 500 that leaks nothing when the store fails', async () => {
    const url = await serve();
    const original = console.error;
    console.error = () => {};
    try {
      for (const path of ['/api/v1/models', '/api/v1/models/m/baselines']) {
        const res = await call(`${url}${path}`);
        expect(res).toMatchObject({ status: 500, body: { error: 'internal error' } });
      }
    } finally {
      console.error = original;
    }
  });

  it('reports not ready with 503 when the store fails', async () => {
    const url = await serve();
    expect(await call(`${url}/readyz`)).toMatchObject({ status: 503, body: { error: 'store unavailable' } });
  });
});

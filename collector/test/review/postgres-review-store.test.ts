import { afterAll, afterEach, beforeAll } from 'vitest';
import pg from 'pg';
import { PostgresReviewStore } from '../../src/review/postgres-review-store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { reviewStoreContract } from './review-store-contract.js';

let server: TestPostgres;
const open: PostgresReviewStore[] = [];
let n = 0;

beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => server?.stop());

// Each test gets its own database so the contract starts from an empty queue every time.
reviewStoreContract('postgres', async () => {
  const name = `r${n++}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const store = await PostgresReviewStore.open(server.url.replace(/\/postgres$/, `/${name}`));
  open.push(store);
  return store;
});

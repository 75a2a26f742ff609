import { afterAll, afterEach, beforeAll } from 'vitest';
import { PostgresReviewStore } from '../../src/review/postgres-review-store.js';
import { createDatabase, startPostgres, type TestPostgres } from '../helpers/postgres.js';
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
  const store = await PostgresReviewStore.open(await createDatabase(server, name));
  open.push(store);
  return store;
});

import { afterAll, afterEach, beforeAll } from 'vitest';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { createDatabase, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { storeContract } from './store-contract.js';

let server: TestPostgres;
const open: PostgresStore[] = [];
let n = 0;

beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => server?.stop());

// Each test gets its own database so the contract starts from an empty store every time.
storeContract('postgres', async () => {
  const name = `t${n++}`;
  const store = await PostgresStore.open(await createDatabase(server, name));
  open.push(store);
  return store;
});

import { afterAll, afterEach, beforeAll } from 'vitest';
import { PostgresPredictionStore } from '../../src/store/postgres-prediction-store.js';
import { createDatabase, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { predictionStoreContract } from './prediction-store-contract.js';

let server: TestPostgres;
const open: PostgresPredictionStore[] = [];
let n = 0;

beforeAll(async () => {
  server = await startPostgres();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => server?.stop());

// Each test gets its own database so the contract starts from an empty store every time.
predictionStoreContract('postgres', async () => {
  const name = `p${n++}`;
  const store = await PostgresPredictionStore.open(await createDatabase(server, name));
  open.push(store);
  return store;
});

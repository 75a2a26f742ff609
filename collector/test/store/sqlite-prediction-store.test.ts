import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { SqlitePredictionStore } from '../../src/store/sqlite-prediction-store.js';
import { predictionStoreContract } from './prediction-store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-sqlite-pred-'));
const open: SqlitePredictionStore[] = [];
let n = 0;

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

predictionStoreContract('sqlite', async () => {
  const store = new SqlitePredictionStore(join(dir, `pred-${n++}.db`));
  open.push(store);
  return store;
});

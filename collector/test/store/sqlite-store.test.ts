import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-sqlite-'));
const open: SqliteStore[] = [];
let n = 0;

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract('sqlite', async () => {
  const store = new SqliteStore(join(dir, `store-${n++}.db`));
  open.push(store);
  return store;
});

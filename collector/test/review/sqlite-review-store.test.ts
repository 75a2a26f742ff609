import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { SqliteReviewStore } from '../../src/review/sqlite-review-store.js';
import { reviewStoreContract } from './review-store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-sqlite-review-'));
const open: SqliteReviewStore[] = [];
let n = 0;

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

reviewStoreContract('sqlite', async () => {
  const store = new SqliteReviewStore(join(dir, `review-${n++}.db`));
  open.push(store);
  return store;
});

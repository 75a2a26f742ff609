import { MemoryReviewStore } from './memory-review-store.js';
import { PostgresReviewStore } from './postgres-review-store.js';
import type { ReviewStore } from './review-store.js';
import { SqliteReviewStore } from './sqlite-review-store.js';

/** The review queue, in the same database as the prediction log (a connection of its own). */
export async function openReviewStore(db: string, databaseUrl?: string): Promise<ReviewStore> {
  if (databaseUrl) return PostgresReviewStore.open(databaseUrl);
  if (db === ':memory:') return new MemoryReviewStore();
  return new SqliteReviewStore(db);
}

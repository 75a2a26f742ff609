import type { BaselineStore } from './baseline-store.js';
import { MemoryStore } from './memory-store.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';

/** PostgreSQL when a connection string is given, else SQLite (`:memory:` = the in-memory store). */
export async function openStore(db: string, databaseUrl?: string): Promise<BaselineStore> {
  if (databaseUrl) return PostgresStore.open(databaseUrl);
  if (db === ':memory:') return new MemoryStore();
  return new SqliteStore(db);
}

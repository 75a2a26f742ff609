import type { BaselineStore } from './baseline-store.js';
import { MemoryPredictionStore } from './memory-prediction-store.js';
import { MemoryStore } from './memory-store.js';
import { PostgresPredictionStore } from './postgres-prediction-store.js';
import type { PredictionStore } from './prediction-store.js';
import { PostgresStore } from './postgres-store.js';
import { SqlitePredictionStore } from './sqlite-prediction-store.js';
import { SqliteStore } from './sqlite-store.js';

/** PostgreSQL when a connection string is given, else SQLite (`:memory:` = the in-memory store). */
export async function openStore(db: string, databaseUrl?: string): Promise<BaselineStore> {
  if (databaseUrl) return PostgresStore.open(databaseUrl);
  if (db === ':memory:') return new MemoryStore();
  return new SqliteStore(db);
}

/** The prediction log, in the same database as the baselines (a connection of its own). */
export async function openPredictionStore(db: string, databaseUrl?: string): Promise<PredictionStore> {
  if (databaseUrl) return PostgresPredictionStore.open(databaseUrl);
  if (db === ':memory:') return new MemoryPredictionStore();
  return new SqlitePredictionStore(db);
}

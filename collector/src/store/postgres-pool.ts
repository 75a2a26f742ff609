import pg from 'pg';

/**
 * Advisory-lock keys that serialise schema creation per store: collectors starting together on
 * one database must not race on CREATE TABLE.
 */
export const SchemaLock = {
  baselines: 947301,
  predictions: 947302,
  reviews: 947303,
  leases: 947305,
} as const;

/**
 * A connection pool for one PostgreSQL store, its schema created under the store's advisory lock.
 * An idle client losing its connection must not crash the process: the next query reconnects.
 */
export async function openPool(connectionString: string, schema: string, lockKey: number, max = 4): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => {});
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
    await client.query(schema);
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey]);
  } catch (err) {
    client.release();
    await pool.end().catch(() => {});
    throw err;
  }
  client.release();
  return pool;
}

/** Runs `fn` in one transaction on a pooled client; any error rolls it back and is rethrown. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

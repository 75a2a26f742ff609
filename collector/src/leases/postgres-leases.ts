import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { LeaseClaim, ModelLeases } from './model-leases.js';
import { openPool, SchemaLock } from '../store/postgres-pool.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS collector_members (
  id TEXT PRIMARY KEY,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS model_leases (
  model TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
`;

/**
 * Model leases in PostgreSQL. Expiry is decided by the database clock (`now()`), so collectors on
 * hosts with skewed clocks agree on who holds what; this process only trusts a lease until its
 * local clock, started before the renewing query, says the TTL is over.
 *
 * Fair share: with N live collectors and M models, each holds at most ceil(M / N). Giving back
 * happens only in claim(), at the start of a round, before the round picks its models: a model
 * given back is never in flight here while another collector takes it.
 */
export class PostgresLeases implements ModelLeases {
  readonly id = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private owned = new Set<string>();
  /** Local time (ms, monotonic-ish Date.now) until which the leases renewed last are ours. */
  private validUntil = 0;
  private known: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<unknown> = Promise.resolve();

  private constructor(private readonly pool: pg.Pool, private readonly ttlMs: number) {}

  static async open(connectionString: string, ttlMs: number): Promise<PostgresLeases> {
    return new PostgresLeases(await openPool(connectionString, SCHEMA, SchemaLock.leases, 1), ttlMs);
  }

  claim(models: readonly string[]): Promise<LeaseClaim> {
    this.known = models;
    return this.serial(() => this.sync(models, true));
  }

  start(): void {
    // Three renewals per TTL: one lost renewal (a slow query, a GC pause) does not lose the leases.
    this.timer = setInterval(() => {
      void this.serial(() => this.sync(this.known, false)).catch(() => {});
    }, Math.max(250, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.busy.catch(() => {});
    try {
      await this.pool.query('DELETE FROM model_leases WHERE owner = $1', [this.id]);
      await this.pool.query('DELETE FROM collector_members WHERE id = $1', [this.id]);
    } catch {
      // The leases expire on their own; a collector that cannot reach its database cannot hand over sooner.
    }
    await this.pool.end();
  }

  /** One lease operation at a time: a heartbeat and a round's claim must not interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.busy.then(fn, fn);
    this.busy = next.catch(() => {});
    return next;
  }

  private async sync(models: readonly string[], rebalance: boolean): Promise<LeaseClaim> {
    const started = Date.now();
    const ttl = `${this.ttlMs} milliseconds`;
    try {
      await this.pool.query(
        `INSERT INTO collector_members (id, expires_at) VALUES ($1, now() + $2::interval)
         ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`,
        [this.id, ttl],
      );
      const live = Number((await this.pool.query("SELECT count(*) AS n FROM collector_members WHERE expires_at > now()")).rows[0].n) || 1;
      // Leases of models that are no longer active go, whoever held them.
      await this.pool.query('DELETE FROM model_leases WHERE NOT (model = ANY($1::text[]))', [models]);
      const renewed = await this.pool.query(
        `UPDATE model_leases SET expires_at = now() + $2::interval
         WHERE owner = $1 AND expires_at > now() RETURNING model`,
        [this.id, ttl],
      );
      const held = new Set<string>(renewed.rows.map((r: { model: string }) => r.model));
      const share = Math.ceil(models.length / live);
      if (rebalance && held.size > share) {
        const giveBack = [...held].sort().slice(share);
        await this.pool.query('DELETE FROM model_leases WHERE owner = $1 AND model = ANY($2::text[])', [this.id, giveBack]);
        for (const m of giveBack) held.delete(m);
      }
      if (held.size < share) {
        // Free or expired models, taken atomically: the upsert's WHERE lets only one collector win a row.
        const taken = await this.pool.query(
          `INSERT INTO model_leases (model, owner, expires_at)
           SELECT m, $1, now() + $2::interval FROM unnest($3::text[]) AS m
           WHERE NOT EXISTS (SELECT 1 FROM model_leases l WHERE l.model = m AND l.expires_at > now())
           ORDER BY m LIMIT $4
           ON CONFLICT (model) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
           WHERE model_leases.expires_at <= now()
           RETURNING model`,
          [this.id, ttl, models, share - held.size],
        );
        for (const r of taken.rows as { model: string }[]) held.add(r.model);
      }
      this.owned = held;
      this.validUntil = started + this.ttlMs;
      return { owned: this.owned, liveCollectors: live };
    } catch (err) {
      // Without the database this collector cannot know whether its leases still hold once the TTL
      // has passed: it evaluates nothing rather than risk evaluating a model twice.
      if (Date.now() >= this.validUntil) this.owned = new Set();
      throw err;
    }
  }

  /** The models whose lease is still ours by the local clock (for a round that started late). */
  current(): ReadonlySet<string> {
    return Date.now() < this.validUntil ? this.owned : new Set();
  }
}

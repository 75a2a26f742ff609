import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresLeases } from '../../src/leases/postgres-leases.js';
import { createProfile } from '../helpers/factories.js';
import { call } from '../helpers/http.js';
import { waitFor } from '../helpers/ports.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../../cli/bin/modelwatch.js');
const MODELS = ['a', 'b', 'c', 'd'];

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(() => server?.stop());

async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return server.url.replace(/\/postgres$/, `/${name}`);
}

describe('PostgresLeases', () => {
  it('shares the models fairly between live collectors, never one model to two', async () => {
    const url = await freshDatabase('leases_share');
    const one = await PostgresLeases.open(url, 5_000);
    const two = await PostgresLeases.open(url, 5_000);
    try {
      // Alone, the first collector takes every model.
      expect([...(await one.claim(MODELS)).owned].sort()).toEqual(MODELS);
      // The second finds nothing free, but counts two live collectors.
      const joined = await two.claim(MODELS);
      expect(joined.owned.size).toBe(0);
      expect(joined.liveCollectors).toBe(2);
      // At its next round the first gives back what exceeds its share; the second takes it.
      expect((await one.claim(MODELS)).owned.size).toBe(2);
      const taken = await two.claim(MODELS);
      expect(taken.owned.size).toBe(2);
      const first = await one.claim(MODELS);
      expect([...first.owned, ...taken.owned].sort()).toEqual(MODELS);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('lets another collector take the models of one that stopped renewing once its leases expire', async () => {
    const url = await freshDatabase('leases_expiry');
    const dead = await PostgresLeases.open(url, 1_500);
    const alive = await PostgresLeases.open(url, 1_500);
    try {
      expect((await dead.claim(MODELS)).owned.size).toBe(4);
      expect((await alive.claim(MODELS)).owned.size).toBe(0);
      // `dead` neither renews nor gives back (no heartbeat started): its leases lapse after the TTL.
      const started = Date.now();
      const claim = await waitFor('the expired leases to be taken over', async () => {
        const c = await alive.claim(MODELS);
        return c.owned.size === 4 ? c : undefined;
      });
      expect(claim.owned.size).toBe(4);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      // Nor can the stale collector win them back while the new holder renews.
      expect((await dead.claim(MODELS)).owned.size).toBe(0);
    } finally {
      await dead.close();
      await alive.close();
    }
  });

  it('drops the leases of models that are no longer active', async () => {
    const url = await freshDatabase('leases_inactive');
    const leases = await PostgresLeases.open(url, 5_000);
    try {
      await leases.claim(MODELS);
      expect([...(await leases.claim(['a', 'b'])).owned].sort()).toEqual(['a', 'b']);
    } finally {
      await leases.close();
    }
  });
});

interface CliCollector {
  child: ChildProcess;
  url: string;
}

async function startCliCollector(databaseUrl: string): Promise<CliCollector> {
  const child = spawn(
    process.execPath,
    [BIN, 'collector', '--port', '0', '--database-url', databaseUrl, '--interval', '2s', '--lease-ttl', '2s', '--windows', '15m'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stderr!.on('data', (d) => (out += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`collector exited early with ${code}: ${out}`)));
  });
  return { child, url };
}

/** Per-model evaluation counts and the leased-model gauge from a collector's /metrics. */
async function scrape(c: CliCollector): Promise<{ leased: number; evaluations: Map<string, number> }> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  const evaluations = new Map<string, number>();
  for (const m of text.matchAll(/^modelwatch_drift_evaluations_total\{model="(\w+)",source="push"\} (\d+)/gm)) evaluations.set(m[1], Number(m[2]));
  const leased = Number(/^modelwatch_collector_leased_models (\d+)/m.exec(text)?.[1] ?? NaN);
  return { leased, evaluations };
}

function grew(before: Map<string, number>, after: Map<string, number>): Set<string> {
  return new Set([...after].filter(([m, n]) => n > (before.get(m) ?? 0)).map(([m]) => m));
}

describe('two collector processes on one PostgreSQL', () => {
  const running: CliCollector[] = [];
  afterAll(async () => {
    for (const c of running) {
      if (c.child.exitCode === null && c.child.signalCode === null) {
        const exited = new Promise((r) => c.child.once('exit', r));
        c.child.kill('SIGTERM');
        await exited;
      }
    }
  });

  it('evaluate each model in exactly one of them, and the survivor takes over after a kill -9 within one interval of lease expiry', async () => {
    const url = await freshDatabase('two_collectors');
    const a = await startCliCollector(url);
    running.push(a);
    const b = await startCliCollector(url);
    running.push(b);
    for (const m of MODELS) expect((await call(`${a.url}/api/v1/models/${m}/baselines`, { body: createProfile(m) })).status).toBe(201);

    // Rebalanced: two models each.
    await waitFor('two models leased by each collector', async () => {
      const [sa, sb] = await Promise.all([scrape(a), scrape(b)]);
      return sa.leased === 2 && sb.leased === 2 ? true : undefined;
    });
    // Over three intervals, every model is evaluated, and by one collector only.
    const [a0, b0] = await Promise.all([scrape(a), scrape(b)]);
    await new Promise((r) => setTimeout(r, 6_500));
    const [a1, b1] = await Promise.all([scrape(a), scrape(b)]);
    const byA = grew(a0.evaluations, a1.evaluations);
    const byB = grew(b0.evaluations, b1.evaluations);
    expect([...byA, ...byB].sort()).toEqual(MODELS);
    expect([...byA].filter((m) => byB.has(m))).toEqual([]);

    // kill -9: no graceful hand-over, the leases must expire (TTL 2 s) and be taken.
    const killed = Date.now();
    const exited = new Promise((r) => a.child.once('exit', r));
    a.child.kill('SIGKILL');
    await exited;
    const before = (await scrape(b)).evaluations;
    await waitFor(
      "the survivor evaluating the dead collector's models",
      async () => {
        const now = await scrape(b);
        return now.leased === 4 && [...byA].every((m) => grew(before, now.evaluations).has(m)) ? true : undefined;
      },
      20_000,
    );
    const takeoverMs = Date.now() - killed;
    // Lease TTL (2 s) + at most one interval (2 s) to the survivor's next round, + polling slack.
    expect(takeoverMs).toBeLessThan(2_000 + 2_000 + 1_500);
  }, 60_000);
});

/**
 * Ground-truth costs in the collector, SQLite file and a real PostgreSQL side by side:
 *  - ingest of prediction records (batches of 1,000, as sidecars ship them): store and HTTP route;
 *  - the label join: N labels joined to N stored records (batches of 10,000, as `feedback push` sends);
 *  - realized performance of a window of N labelled predictions: from the store's performance
 *    rollup (what the collector does), the coverage counts over the raw records, and for comparison
 *    reading the joined rows out and computing in JavaScript (what a naive join would do);
 *  - the concept-drift detectors over N errors.
 * Run: `npx tsx bench/collector/ground-truth.ts [N] [--store sqlite|postgres]` (default 1,000,000 and
 * both stores; after `npx tsc -b`). The join also prints its first, median and last batch: equal
 * times mean the join does not slow down as the log grows.
 * PostgreSQL comes from collector/test/helpers/postgres.ts (Debian's postgresql 15, fsync off like the tests).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADWIN, DDM, PAGE_HINKLEY, newPredictionId, performanceFromCounts, realizedPerformance, type FeedbackItem, type PredictionRecord } from '../../core/src/index.js';
import { startCollector } from '../../collector/src/server.js';
import { PostgresPredictionStore } from '../../collector/src/store/postgres-prediction-store.js';
import type { PredictionStore } from '../../collector/src/store/prediction-store.js';
import { SqlitePredictionStore } from '../../collector/src/store/sqlite-prediction-store.js';
import { startPostgres } from '../../collector/test/helpers/postgres.js';

const args = process.argv.slice(2);
const storeArg = args.indexOf('--store');
const only = storeArg >= 0 ? args.splice(storeArg, 2)[1] : undefined;
if (only !== undefined && only !== 'sqlite' && only !== 'postgres') throw new Error('--store is sqlite or postgres');
const N = Number(args[0] ?? 1_000_000);
const CLASSES = ['drizzle', 'fog', 'rain', 'snow', 'sun'];
const T0 = Date.now() - 3_600_000;

function record(i: number): PredictionRecord {
  const t = T0 + Math.floor((i * 3_000_000) / N);
  return {
    id: newPredictionId(t),
    time: new Date(t).toISOString(),
    model: 'bench',
    version: '1',
    variant: i % 10 === 0 ? 'canary' : 'primary',
    stage: 'classify',
    prediction: CLASSES[i % 5],
    outputs: { probabilities: CLASSES[i % 5] },
    confidence: 0.5 + (i % 50) / 100,
  };
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/**
 * CPU seconds used so far by the PostgreSQL server listening on `port` (postmaster and its
 * children, from /proc): on a shared machine the engine's CPU, unlike wall time, barely depends
 * on what else runs.
 */
function postgresCpuSeconds(port: string): number {
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const master = ps.find((f) => f[2]?.endsWith('/postgres') && f.join(' ').includes(`-p ${port} `));
  if (!master) return NaN;
  let ticks = 0;
  for (const pid of [master[0], ...ps.filter((f) => f[1] === master[0]).map((f) => f[0])]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / 100;
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

async function run(name: string, store: PredictionStore, pgPort?: string): Promise<void> {
  const records = Array.from({ length: N }, (_, i) => record(i));
  let t = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1000) await store.putPredictions('bench', records.slice(i, i + 1000), Date.now());
  const ingest = seconds(t);
  const items: FeedbackItem[] = records.map((r, i) => ({ predictionId: r.id, label: CLASSES[(i * 7) % 5] }));
  const ctx = { nowMs: Date.now(), retainedFromMs: 0, events: new Set<string>() };
  const engine0 = pgPort === undefined ? 0 : postgresCpuSeconds(pgPort);
  const cpu0 = process.cpuUsage();
  t = process.hrtime.bigint();
  const batches: number[] = [];
  for (let i = 0; i < N; i += 10_000) {
    const tb = process.hrtime.bigint();
    await store.applyFeedback('bench', items.slice(i, i + 10_000), ctx);
    batches.push(seconds(tb));
  }
  const joinS = seconds(t);
  const joinCpu = cpuSeconds(process.cpuUsage(cpu0));
  const engineCpu = pgPort === undefined ? undefined : postgresCpuSeconds(pgPort) - engine0;
  const sorted = [...batches].sort((a, b) => a - b);
  const batchMs = [batches[0], sorted[sorted.length >> 1], batches[batches.length - 1]].map((x) => (x * 1000).toFixed(0)).join(' / ');
  t = process.hrtime.bigint();
  const stats = await store.performanceCounts('bench', T0 - 1, Date.now());
  const perf = stats.map((v) => performanceFromCounts(v.counts, { classes: CLASSES }));
  const aggregated = seconds(t);
  t = process.hrtime.bigint();
  await store.predictionCounts('bench', T0 - 1, Date.now());
  const counts = seconds(t);
  t = process.hrtime.bigint();
  const rows = await store.labelledPredictions('bench', T0 - 1, Date.now());
  const read = seconds(t);
  t = process.hrtime.bigint();
  realizedPerformance(rows, { classes: CLASSES });
  const compute = seconds(t);
  const acc = perf.map((p) => (p?.task === 'classification' ? p.accuracy.toFixed(3) : '-')).join('/');
  console.log(
    `${name.padEnd(10)} ingest ${Math.round(N / ingest).toLocaleString('en')} records/s (${ingest.toFixed(1)} s) | ` +
      `join ${N.toLocaleString('en')} labels ${joinS.toFixed(1)} s (${Math.round(N / joinS).toLocaleString('en')}/s; batch of 10,000 first / median / last ${batchMs} ms; CPU: collector ${joinCpu.toFixed(1)} s${engineCpu === undefined ? '' : ` + PostgreSQL ${engineCpu.toFixed(1)} s`})\n` +
      `${''.padEnd(10)} window of ${rows.length.toLocaleString('en')} labelled: from the rollup ${aggregated.toFixed(3)} s (+ coverage counts ${counts.toFixed(2)} s; accuracy ${acc}) | ` +
      `rows out ${read.toFixed(2)} s + JS ${compute.toFixed(3)} s`,
  );
}

async function httpIngest(dir: string, n: number): Promise<void> {
  const c = await startCollector({ port: 0, db: join(dir, 'http.db'), evaluateEvery: '1h' });
  const batches = Math.ceil(n / 1000);
  const bodies = Array.from({ length: batches }, (_, b) => JSON.stringify({ records: Array.from({ length: 1000 }, (_, i) => record(b * 1000 + i)) }));
  const t = process.hrtime.bigint();
  // Four sidecars shipping at once.
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches) {
        const body = bodies[next++];
        const res = await fetch(`${c.url}/api/v1/models/bench/predictions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
      }
    }),
  );
  const s = seconds(t);
  await c.close();
  console.log(`HTTP route (SQLite, 4 concurrent senders, batches of 1,000): ${Math.round((batches * 1000) / s).toLocaleString('en')} records/s`);
}

function detectors(): void {
  const errors = Float64Array.from({ length: N }, (_, i) => ((i * 2654435761) % 1000 < (i < N / 2 ? 200 : 400) ? 1 : 0));
  for (const d of [DDM, ADWIN, PAGE_HINKLEY] as const) {
    const t = process.hrtime.bigint();
    const r = (d as typeof ADWIN).run((d as typeof ADWIN).init(), errors);
    console.log(`detector ${d.name.padEnd(12)} ${N.toLocaleString('en')} errors in ${seconds(t).toFixed(2)} s (${r.events.filter((e) => e.kind === 'drift').length} drifts)`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'mw-bench-gt-'));
try {
  console.log(`N = ${N.toLocaleString('en')}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 shared cores: figures are noisy, compare within this run)`);
  if (only !== 'postgres') {
    const sqlite = new SqlitePredictionStore(join(dir, 'bench.db'));
    await run('SQLite', sqlite);
    await sqlite.close();
  }
  if (only !== 'sqlite') {
    const pg = await startPostgres();
    try {
      const store = await PostgresPredictionStore.open(pg.url);
      await run('PostgreSQL', store, new URL(pg.url).port);
      await store.close();
    } finally {
      pg.stop();
    }
  }
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (only === undefined) {
    await httpIngest(dir, Math.min(N, 100_000));
    detectors();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

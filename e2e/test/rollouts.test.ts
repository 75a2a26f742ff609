import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES_PATH } from '../../alert-rules/src/load.js';
import { freePort, startPrometheus, waitFor, type RunningProcess } from '../../cli/src/demo/processes.js';
import { oipBody, startVariantServer, type VariantServer } from '../../sidecar/test/routing/fixtures/variants.js';
import { promQuery } from './helpers.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../cli/bin/modelwatch.js', import.meta.url));
const TOKEN = 'e2e-rollout-token-0123456789';

/**
 * A canary that starts failing, judged by the sidecar's analysis on measures it reads from a real
 * Prometheus (which also runs the project's rollout rules): rolled back automatically, the event recorded and readable
 * through the CLI, and ModelwatchRolloutAutomaticRollback firing.
 */
describe('a regressing canary end to end', () => {
  let dir: string;
  let primary: VariantServer;
  let canary: VariantServer;
  let sidecar: RunningSidecar;
  let prometheus: RunningProcess;
  let stopLoad = false;
  let load: Promise<void> | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-e2e-rollouts-'));
    primary = await startVariantServer({ name: 'stable', protocol: 'oip', threshold: 0 });
    canary = await startVariantServer({ name: 'candidate', protocol: 'oip', threshold: 0 });
    // Prometheus' port is chosen first: the analysis reads the canary's and primary's measures from it.
    const promPort = await freePort();
    sidecar = await startSidecar({
      upstream: primary.url, name: 'scorer', pipeline: 'rollout-e2e', stage: 'score', port: 0,
      canary: canary.url, canaryPercent: 20, stickyHeader: 'x-user-id',
      rollout: {
        stateDir: join(dir, 'state'),
        // Four failed intervals: time for the canary-errors alert to fire before the rollback ends it.
        analysis: { intervalMs: 3000, steps: [20, 50], failureThreshold: 4, minRequests: 10, prometheus: `http://127.0.0.1:${promPort}` },
        admin: { port: 0, tokens: [{ name: 'release-bot', token: TOKEN }] },
      },
    }, { log: () => {} });
    // The project's rollout rules with every `for:` shortened to 2s, as the stack e2e does.
    mkdirSync(join(dir, 'rules'), { recursive: true });
    const rules = join(dir, 'rules', 'rollouts.yaml');
    writeFileSync(rules, readFileSync(join(RULES_PATH, 'rollouts.yaml'), 'utf8').replace(/^(\s+for: ).+$/gm, '$12s'));
    prometheus = await startPrometheus({
      dir: join(dir, 'prometheus'),
      ruleFiles: [rules],
      targets: [{ job: 'modelwatch-sidecar', target: new URL(sidecar.url).host }],
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      port: promPort,
    });
    // The rollback counter must be scraped at 0 before it moves, or increase() cannot see the step.
    await waitFor('Prometheus to scrape the rollout series', async () => {
      const r = await promQuery(prometheus.url, 'modelwatch_rollout_events_total{model="scorer",variant="canary",action="rollback",trigger="automatic"}');
      return (r.data?.result.length ?? 0) > 0 ? true : undefined;
    }, 30_000, 200);
  });

  afterAll(async () => {
    stopLoad = true;
    await load;
    await prometheus?.close();
    await sidecar?.close();
    await primary?.stop();
    await canary?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rolls the canary back, records who and why, and fires the rollback alert', async () => {
    await canary.control({ errorRatio: 0.6 });
    const statuses = new Map<number, number>();
    load = (async () => {
      for (let i = 0; !stopLoad; i++) {
        const res = await fetch(`${sidecar.url}/v2/models/scorer/infer`, { method: 'POST', body: oipBody(0.5), headers: { 'x-user-id': `u${i % 500}` } });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    })();
    await waitFor('the analysis to roll the canary back', async () => (sidecar.rollouts.router.current.canary?.percent === 0 ? true : undefined), 60_000, 100);
    // Before the rollback some canary answers failed; after it, none reach the canary.
    expect(statuses.get(500) ?? 0).toBeGreaterThan(0);
    const callsAtRollback = await canary.calls();

    const alert = await waitFor('ModelwatchRolloutAutomaticRollback to fire', async () => {
      const r = await promQuery(prometheus.url, 'ALERTS{alertname="ModelwatchRolloutAutomaticRollback",alertstate="firing"}');
      return r.data?.result[0];
    }, 60_000, 500);
    expect(alert.metric).toMatchObject({ model: 'scorer', stage: 'score', variant: 'canary', action: 'rollback', trigger: 'automatic', severity: 'warning' });
    // While it failed, the canary was judged on its own traffic: worse than its primary, critical.
    const worse = await promQuery(prometheus.url, 'max_over_time(ALERTS{alertname="ModelwatchCanaryErrorsAbovePrimary",alertstate="firing"}[5m])');
    expect(worse.data?.result[0]?.metric).toMatchObject({ model: 'scorer', stage: 'score', variant: 'canary', severity: 'critical' });
    expect(await canary.calls()).toBe(callsAtRollback);

    const env = { ...process.env, MODELWATCH_ADMIN_TOKEN: TOKEN };
    const events = await run(process.execPath, [CLI, 'rollout', 'events', '--admin', sidecar.adminUrl!], { env });
    expect(events.stdout).toMatch(/rollback\s+canary\s+by canary-analysis: rolled back after 4 failed intervals: error_ratio/);
    const status = await run(process.execPath, [CLI, 'rollout', 'status', '--admin', sidecar.adminUrl!], { env });
    expect(status.stdout).toMatch(/canary\s+canary 0%/);
    expect(status.stdout).toContain('analysis: rollback');
  });

  it('lets an operator restart and promote the canary with the CLI, and refuses a bad token', async () => {
    await canary.control({ errorRatio: 0 });
    const env = { ...process.env, MODELWATCH_ADMIN_TOKEN: TOKEN };
    const set = await run(process.execPath, [CLI, 'rollout', 'set', '--canary', 'canary:20', '--reason', 'fixed the candidate', '--admin', sidecar.adminUrl!], { env });
    expect(set.stdout).toContain('set canary by release-bot');
    const promote = await run(process.execPath, [CLI, 'rollout', 'promote', '--reason', 'looks good', '--json', '--admin', sidecar.adminUrl!], { env });
    expect(JSON.parse(promote.stdout).routing).toMatchObject({ primary: 'canary', canary: null });
    const wrong = await run(process.execPath, [CLI, 'rollout', 'status', '--admin', sidecar.adminUrl!], { env: { ...process.env, MODELWATCH_ADMIN_TOKEN: 'wrong' } }).catch((e: { code: number; stderr: string }) => e);
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('MW_ERR_AUTH_INVALID_TOKEN') });
    const usage = await run(process.execPath, [CLI, 'rollout', 'set', '--admin', sidecar.adminUrl!], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining('MW_ERR_CLI_USAGE') });
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSidecar } from '@modelwatch/sidecar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecordingRules } from '../../alert-rules/src/load.js';
import { ALERTMANAGER_CONFIG } from '../../cli/src/demo/paths.js';
import { waitFor } from '../../cli/src/demo/processes.js';
import { MODEL, startStack, type RunningStack } from '../../cli/src/demo/stack.js';
import { replay, type Replay } from '../../cli/src/demo/traffic.js';
import { FEATURE_NAMES, loadNewYork, trainingRows } from '@modelwatch/examples/seattle-weather';
import { dashboardExpressions, loadDashboards } from '../../dashboards/src/load.js';
import { startModelServer, type RunningModelServer } from '../../examples/seattle-weather/serve.js';
import { promQuery, startReceiver, substituteGrafanaVariables, type Receiver } from './helpers.js';

/**
 * The whole stack with real servers: Prometheus (the project's rule files, `for:` shortened to
 * 2s), Alertmanager (the example routing and inhibition, webhooks to this test), the collector,
 * an embedded sidecar with the example model, and a proxy sidecar in front of a plain model
 * server. Intervals are seconds so the suite runs in about a minute.
 */
// Its own model name: a proxy without a baseline has default bins, which must not be summed
// with the embedded sidecar's baseline bins.
const PROXY_MODEL = 'weather-proxied';
const PROXY_STAGE = 'classify-proxy';

describe('the stack end to end', () => {
  let dir: string;
  let receiver: Receiver;
  let modelServer: RunningModelServer;
  let proxy: Awaited<ReturnType<typeof startSidecar>>;
  let stack: RunningStack;
  const replays: Replay[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-e2e-'));
    receiver = await startReceiver();
    modelServer = await startModelServer({ port: 0, modelName: PROXY_MODEL });
    proxy = await startSidecar(
      {
        upstream: modelServer.url, protocol: 'oip', name: PROXY_MODEL, pipeline: 'weather', stage: PROXY_STAGE, port: 0, features: [...FEATURE_NAMES],
        // Variants, so the rollout panels and rules have data: a shadow and a half-share canary of the
        // same server, analysed every second but never with enough requests to step or roll back.
        shadow: modelServer.url,
        canary: modelServer.url,
        canaryPercent: 50,
        rollout: { analysis: { intervalMs: 1000, minRequests: 1_000_000 }, admin: { port: 0, tokens: [{ name: 'e2e', token: 'e2e-admin-token-0123456789' }] } },
      },
      { log: () => {} },
    );
    const alertmanagerConfig = readFileSync(ALERTMANAGER_CONFIG, 'utf8')
      .replace(/url: http:\/\/127\.0\.0\.1:9098\/(\w+)/g, `url: ${receiver.url}/$1`)
      .replace(/group_wait: \S+/, 'group_wait: 1s')
      .replace(/group_interval: \S+/, 'group_interval: 1s');
    stack = await startStack({
      dir,
      observability: true,
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      // 1d as well: the ground-truth rules and the Performance dashboard read the day window.
      windows: ['30s', '1d'],
      evaluateEvery: '2s',
      alertFor: '2s',
      alertmanagerConfig,
      extraTargets: [{ job: 'modelwatch-sidecar', target: new URL(proxy.url).host }],
    });
  });

  afterAll(async () => {
    for (const r of replays) r.stop();
    await Promise.all(replays.map((r) => r.done));
    await stack?.close();
    await proxy?.close();
    await modelServer?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const delivered = (alertname: string, model?: string) =>
    receiver.received.flatMap((n) => n.alerts.map((a) => ({ ...a, path: n.path }))).find(
      (a) => a.status === 'firing' && a.labels.alertname === alertname && (!model || a.labels.model === model),
    );

  it('flags New York weather as drift and delivers the alert through Prometheus and Alertmanager', async () => {
    replays.push(replay({ url: stack.sidecarUrl, model: MODEL, days: loadNewYork(), rowsPerSecond: 400, batch: 4, concurrency: 4, loop: true }));

    const report = await waitFor(
      'the collector to flag drift',
      async () => {
        const body = (await (await fetch(`${stack.collectorUrl}/api/v1/models/${MODEL}/drift`)).json()) as {
          reports: { report: { features: { feature: string; kind: string; verdict: string }[] } }[];
        };
        const drifted = body.reports.flatMap((r) => r.report.features).filter((f) => f.kind === 'input' && f.verdict === 'drift');
        return drifted.length > 0 ? drifted : undefined;
      },
      60_000,
      500,
    );
    // New York is windier than Seattle: the real data drifts on wind.
    expect(report.map((f) => f.feature)).toContain('wind');

    const alert = await waitFor('Alertmanager to deliver ModelwatchFeatureDriftCritical', async () => delivered('ModelwatchFeatureDriftCritical', MODEL), 60_000, 500);
    expect(alert.path).toBe('/pager');
    expect(alert.labels).toMatchObject({ severity: 'critical', model: MODEL, kind: 'input' });
    expect(alert.annotations.runbook_url).toMatch(/docs\/runbooks\.md#modelwatchfeaturedriftcritical$/);
    expect(alert.annotations.description).toContain(`${MODEL}: feature ${alert.labels.feature} has drifted`);

    // The warning fired too, but the critical alert of the same model (and stage) inhibits it.
    const inhibited = await waitFor('the drift warning to be inhibited', async () => {
      const alerts = (await (await fetch(`${stack.alertmanagerUrl}/api/v2/alerts?filter=alertname%3D%22ModelwatchFeatureDrift%22`)).json()) as {
        labels: Record<string, string>;
        status: { inhibitedBy: string[] };
      }[];
      return alerts.find((a) => a.status.inhibitedBy.length > 0);
    });
    expect(inhibited.labels.model).toBe(MODEL);
    expect(delivered('ModelwatchFeatureDrift', MODEL)).toBeUndefined();
  });

  it('sends warnings to chat: the proxied model has no baseline', async () => {
    const alert = await waitFor('Alertmanager to deliver ModelwatchBaselineMissing', async () => delivered('ModelwatchBaselineMissing', PROXY_MODEL), 30_000, 500);
    expect(alert.path).toBe('/chat');
    expect(alert.labels).toEqual({ alertname: 'ModelwatchBaselineMissing', model: PROXY_MODEL, severity: 'warning' });
    expect(delivered('ModelwatchBaselineMissing', MODEL)).toBeUndefined();
  });

  it('pages on the latency SLO when the model server behind a proxy sidecar slows down', async () => {
    modelServer.setDelay(300);
    replays.push(replay({ url: proxy.url, model: PROXY_MODEL, days: trainingRows(), rowsPerSecond: 40, batch: 1, concurrency: 16, loop: true }));
    const alert = await waitFor('Alertmanager to deliver ModelwatchLatencyBudgetFastBurn', async () => delivered('ModelwatchLatencyBudgetFastBurn'), 60_000, 500);
    expect(alert.path).toBe('/pager');
    expect(alert.labels).toMatchObject({ severity: 'critical', model: PROXY_MODEL, stage: PROXY_STAGE });
    expect(alert.annotations.description).toMatch(/of requests took longer than 0\.25s over the last hour/);
  });

  it('pages when the model server behind a proxy sidecar goes down', async () => {
    await modelServer.close();
    const alert = await waitFor('Alertmanager to deliver ModelwatchUpstreamDown', async () => delivered('ModelwatchUpstreamDown'), 60_000, 500);
    expect(alert.labels).toMatchObject({ severity: 'critical', model: PROXY_MODEL, stage: PROXY_STAGE });
    expect(alert.annotations.summary).toBe('The model server behind a sidecar is not answering.');
  });

  it('gets data from every dashboard query and every recording rule', async () => {
    // Client errors exist too: a malformed request to the embedded sidecar.
    const bad = await fetch(`${stack.sidecarUrl}/v2/models/${MODEL}/infer`, { method: 'POST', body: '{"inputs": [' });
    expect(bad.status).toBe(400);
    // And a routing change, for the Rollouts dashboard's event annotation.
    const change = await fetch(`${proxy.adminUrl}/admin/routing`, {
      method: 'PUT',
      headers: { authorization: 'Bearer e2e-admin-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ canary: { variant: 'canary', percent: 40 }, reason: 'e2e' }),
    });
    expect(change.status).toBe(200);
    // And failing drift evaluations: a baseline for the proxied model, whose sidecar never loaded
    // it and still exports default bins, which the collector cannot compare.
    const active = (await (await fetch(`${stack.collectorUrl}/api/v1/models/${MODEL}/baselines/active`)).json()) as Record<string, unknown>;
    const upload = await fetch(`${stack.collectorUrl}/api/v1/models/${PROXY_MODEL}/baselines`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...active, model: PROXY_MODEL, version: undefined }),
    });
    expect(upload.status).toBe(201);
    // Ground truth for the Performance dashboard: labels (some wrong) and a user signal for recorded answers.
    const recorded = await waitFor(
      'the sidecar to ship prediction records',
      async () => {
        const body = (await (await fetch(`${stack.collectorUrl}/api/v1/models/${MODEL}/predictions?limit=200&from=0`)).json()) as { records: { id: string; prediction: string }[] };
        return body.records.length >= 50 ? body.records : undefined;
      },
      30_000,
      500,
    );
    const feedback = await fetch(`${stack.collectorUrl}/api/v1/models/${MODEL}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [
          ...recorded.map((r, i) => ({ predictionId: r.id, label: i % 3 === 0 ? 'fog' : r.prediction })),
          ...recorded.slice(0, 10).map((r) => ({ predictionId: r.id, event: 'redo' })),
        ],
      }),
    });
    expect(feedback.status).toBe(200);
    const queries = [
      ...loadDashboards().flatMap(({ file, json }) =>
        dashboardExpressions(json).filter((q) => !q.annotation).map((q) => ({ where: `${file} / ${q.where}`, expr: q.expr })),
      ),
      ...loadRecordingRules().map((r) => ({ where: `rule ${r.record}`, expr: r.record })),
    ];
    // A query has data when it has data for one of the two models (the proxy alone has upstream errors).
    const hasData = async (expr: string) => {
      for (const model of [MODEL, PROXY_MODEL]) {
        const vars = { model, stage: '.*', feature: 'wind', pipeline: 'weather', datasource: 'prometheus', window: '1d', variant: '.*' };
        const res = await promQuery(stack.prometheusUrl!, substituteGrafanaVariables(expr, vars));
        expect(res.status, `${expr} ${res.error ?? ''}`).toBe('success');
        if ((res.data?.result.length ?? 0) > 0) return true;
      }
      return false;
    };
    const missingQueries = async () => {
      const missing: string[] = [];
      for (const q of queries) if (!(await hasData(q.expr))) missing.push(`${q.where}: ${q.expr}`);
      return missing;
    };
    // Poll: the newest series (evaluation errors) appear within a few scrapes.
    const deadline = Date.now() + 20_000;
    let empty = await missingQueries();
    while (empty.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      empty = await missingQueries();
    }
    expect(empty).toEqual([]);
  });
});

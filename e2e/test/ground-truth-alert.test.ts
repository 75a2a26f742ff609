/**
 * The concept-drift alert end to end: the demo's stack (collector, embedded sidecar recording its
 * answers, real Prometheus with the project's rule files and `for:` shortened, real Alertmanager)
 * serves Seattle's later years then New York once, in day order; each day's real weather is sent
 * back as its label by prediction id. The detectors confirm the change after the switch and
 * ModelwatchConceptDrift reaches Alertmanager.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../cli/src/demo/processes.js';
import { startLabelFeeder, type LabelFeeder } from '../../cli/src/demo/labels.js';
import { MODEL, startStack, type RunningStack } from '../../cli/src/demo/stack.js';
import { replay } from '../../cli/src/demo/traffic.js';
import { loadNewYork, loadSeattle } from '@modelwatch/examples/seattle-weather';
import { promQuery } from './helpers.js';

describe('concept drift through Prometheus and Alertmanager', () => {
  let dir: string;
  let stack: RunningStack;
  let labels: LabelFeeder;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-e2e-gt-'));
    stack = await startStack({
      dir,
      observability: true,
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      windows: ['1d'],
      evaluateEvery: '2s',
      alertFor: '2s',
    });
    labels = startLabelFeeder({ collectorUrl: stack.collectorUrl, model: MODEL, delayMs: 0 });
  });

  afterAll(async () => {
    await labels?.stop();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fires ModelwatchConceptDrift in Alertmanager once the replay has switched to New York', async () => {
    const days = [...loadSeattle().filter((d) => Number(d.date.slice(0, 4)) >= 2014), ...loadNewYork()];
    // One request at a time keeps the labels in day order, the order the detectors must see.
    const run = replay({ url: stack.sidecarUrl, model: MODEL, days, rowsPerSecond: 300, batch: 1, concurrency: 1, onAnswer: labels.answered });
    const stats = await run.done;
    expect(stats.failures).toBe(0);

    const firing = await waitFor(
      'Alertmanager to receive ModelwatchConceptDrift',
      async () => {
        const alerts = (await (await fetch(`${stack.alertmanagerUrl}/api/v2/alerts?filter=alertname%3D%22ModelwatchConceptDrift%22`)).json()) as {
          labels: Record<string, string>;
          annotations: Record<string, string>;
        }[];
        return alerts.find((a) => a.labels.model === MODEL);
      },
      90_000,
      500,
    );
    expect(firing.labels).toMatchObject({ severity: 'warning', variant: 'primary' });
    expect(firing.annotations.runbook_url).toMatch(/#modelwatchconceptdrift$/);
    expect(firing.annotations.description).toMatch(/concept-drift detectors \(DDM, ADWIN, Page-Hinkley\) detected a change/);

    // Realized accuracy of the day window, on Prometheus, next to the reference recorded in the baseline.
    const acc = await promQuery(stack.prometheusUrl!, `modelwatch_performance_realized{model="${MODEL}",metric="accuracy",window="1d"}`);
    const ref = await promQuery(stack.prometheusUrl!, `modelwatch_performance_reference{model="${MODEL}",metric="accuracy"}`);
    expect(Number(acc.data?.result[0]?.value[1])).toBeGreaterThan(0.5);
    expect(Number(ref.data?.result[0]?.value[1])).toBeGreaterThan(0.7);
  });
});

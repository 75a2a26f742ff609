// @vitest-environment node
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/types.js';
import { buildDist, pluginRoot } from '../buildDist.js';
import { promResponsesToFrames } from './promToFrames.js';

/**
 * The built dist/module.js in headless Chromium, loaded through an AMD harness that provides the real
 * Grafana packages, fed with frames from a real Prometheus response (test/fixtures, recorded by
 * scripts/recordPrometheusFixture.ts).
 */
const fixture = JSON.parse(readFileSync(join(pluginRoot, 'test/fixtures/prometheus-instant.json'), 'utf8'));
const frames = promResponsesToFrames(fixture.responses);
const artifacts = join(pluginRoot, 'test-artifacts');

/** What each simulated stage was set up to produce (scripts/simulatedPipelines.ts). */
const EXPECTED: Record<string, [state: string, label: string]> = {
  'fraud/features': ['ok', 'OK'],
  'fraud/score': ['warning', 'Warning'], // 2.5 % errors
  'fraud/explain': ['critical', 'Critical'], // p99 ≈ 667 ms over the 500 ms SLO
  'fraud/audit': ['critical', 'Critical'], // its target is down
  'fraud/geo-lookup': ['unknown', 'No data'], // named upstream, exports nothing
  'recsys/candidates': ['warning', 'Warning'], // 25 % of features drifted
  'recsys/rank': ['critical', 'Critical'], // dataset drift detected
  'recsys/rerank': ['critical', 'Critical'], // 8 % empty outputs
};

let dist: string;
let server: Server;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  dist = buildDist();
  await build({
    entryPoints: [join(pluginRoot, 'test/browser/harness/externals.tsx')],
    outfile: join(dist, 'externals.js'),
    bundle: true, format: 'iife', platform: 'browser', target: 'es2020', minify: true, logLevel: 'error',
    jsx: 'transform', jsxFactory: 'React.createElement', jsxFragment: 'React.Fragment',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.css': 'empty', '.svg': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty' },
  });
  const files: Record<string, [string, string]> = {
    '/': [join(pluginRoot, 'test/browser/harness/index.html'), 'text/html'],
    '/externals.js': [join(dist, 'externals.js'), 'text/javascript'],
    '/module.js': [join(dist, 'module.js'), 'text/javascript'],
  };
  server = createServer((req, res) => {
    const f = files[req.url ?? ''];
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': f[1] }).end(readFileSync(f[0]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 720 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => (window as unknown as { pluginModule?: unknown }).pluginModule !== undefined);
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  if (dist) rmSync(dist, { recursive: true, force: true });
});

async function render(mode: 'dark' | 'light') {
  await page.evaluate(({ frames, options, mode }) => {
    (window as unknown as { renderPanel: Function }).renderPanel(frames, options, mode, 1160, 680);
  }, { frames, options: DEFAULT_OPTIONS, mode });
  await page.waitForSelector('[data-testid="stage-node"]');
}

describe('built panel in Chromium', () => {
  it('loads module.js through AMD with only the externals Grafana provides', async () => {
    expect(await page.evaluate(() => (window as unknown as { amdErrors: string[] }).amdErrors)).toEqual([]);
    await render('dark');
    expect(pageErrors).toEqual([]);
  });

  it('renders each stage of the recorded Prometheus data with its health as icon and text', async () => {
    await render('dark');
    const nodes = await page.$$eval('[data-testid="stage-node"]', (els) => els.map((e) => ({
      id: e.getAttribute('data-stage'), health: e.getAttribute('data-health'), aria: e.getAttribute('aria-label'),
      text: e.querySelector('[data-testid="stage-state"]')?.textContent, icon: e.querySelector('[data-icon]')?.getAttribute('data-icon'),
    })));
    expect(nodes.map((n) => n.id).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const n of nodes) {
      const [state, label] = EXPECTED[n.id!];
      expect({ id: n.id, health: n.health, text: n.text, icon: n.icon }).toEqual({ id: n.id, health: state, text: label, icon: state });
      expect(n.aria).toContain(`: ${label}`);
    }
    expect(await page.getByRole('button', { name: /^Stage features:/ }).getAttribute('aria-label')).toBe('Stage features: OK, 40 req/s');
    expect(await page.getByRole('button', { name: /^Stage audit:/ }).getAttribute('aria-label')).toBe('Stage audit: Critical, target down');
    await page.screenshot({ path: join(artifacts, 'pipeline-health-dark.png') });
  });

  it('shows every signal with value and threshold and the stage link when hovering a stage', async () => {
    await render('dark');
    await page.hover('[data-stage="recsys/rank"]');
    const tooltip = page.getByRole('tooltip');
    const rows = await tooltip.locator('[data-testid="signal-row"]').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-signal'), e.getAttribute('data-health'), e.textContent]));
    expect(rows.map((r) => r[0])).toEqual(['up', 'errorRatio', 'latencyP99', 'emptyOutputRatio', 'lowConfidenceRatio', 'drift']);
    const drift = rows.find((r) => r[0] === 'drift')!;
    expect(drift[1]).toBe('critical');
    expect(drift[2]).toContain('75%, dataset drift detected');
    expect(rows.find((r) => r[0] === 'lowConfidenceRatio')![1]).toBe('warning');
    expect(await tooltip.getByRole('link').getAttribute('href')).toBe(
      '/d/modelwatch-overview?var-datasource=prometheus&var-model=recsys-rank&var-stage=rank');
    await page.screenshot({ path: join(artifacts, 'pipeline-health-details.png') });
  });

  it('switches to the compact layout for hundreds of stages and scrolls instead of overflowing', async () => {
    const many = promResponsesToFrames({ topology: { status: 'success', data: { resultType: 'vector', result:
      Array.from({ length: 300 }, (_, i) => ({
        metric: { pipeline: `p${i % 4}`, stage: `stage-${i}`, model: `m${i}`, upstream_stages: i < 4 ? '' : `stage-${Math.floor((i - 4) / 8) * 4 + (i % 4)}` },
        value: [1_700_000_000, '1'] as [number, string],
      })) } } });
    await page.evaluate(({ frames, options }) => {
      (window as unknown as { renderPanel: Function }).renderPanel(frames, options, 'dark', 1160, 680);
    }, { frames: many, options: DEFAULT_OPTIONS });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="stage-node"]').length === 300);
    expect(await page.$eval('[data-testid="stage-node"] rect', (r) => r.getAttribute('width'))).toBe('120');
    const scroll = await page.$eval('[data-testid="pipeline-health-panel"] > div', (d) => [d.scrollHeight, d.clientHeight, d.scrollWidth, d.clientWidth]);
    expect(scroll[0]).toBeGreaterThan(scroll[1]);
    await page.screenshot({ path: join(artifacts, 'pipeline-health-300-stages.png') });
  });

  it('renders the light theme with its own state colours', async () => {
    await page.mouse.move(0, 0);
    const fill = () => page.$eval('[data-stage="fraud/explain"] [data-testid="stage-state"]', (e) => e.getAttribute('fill'));
    await render('dark');
    const dark = await fill();
    await render('light');
    const light = await fill();
    expect(light).not.toBe(dark);
    expect(await page.$$eval('[data-health="critical"][data-testid="stage-node"]', (els) => els.length)).toBe(4);
    await page.screenshot({ path: join(artifacts, 'pipeline-health-light.png') });
    expect(pageErrors).toEqual([]);
  });
});

/**
 * The HTML drift report in real headless Chromium (/usr/bin/chromium): written by
 * `modelwatch drift --html` from real data, opened from disk, rendered without console errors
 * or network requests; a screenshot is kept in core/test-artifacts/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as drift } from '../../../cli/src/commands/drift.js';

const SEATTLE = 'node_modules/vega-datasets/data/seattle-weather.csv';
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'modelwatch-report-'));
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  mkdirSync(artifacts, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function writeReport(): Promise<string> {
  const lines = readFileSync(SEATTLE, 'utf8').trim().split('\n');
  const ref = join(dir, 'train.csv');
  const cur = join(dir, 'recent.csv');
  writeFileSync(ref, [lines[0], ...lines.slice(1, 1097)].join('\n') + '\n');
  // The last year, its winter months only: a real seasonal shift in temperatures and weather.
  const winter = lines.slice(1097).filter((l) => /^\d{4}-(01|02|11|12)-/.test(l));
  writeFileSync(cur, [lines[0], ...winter].join('\n') + '\n');
  const html = join(dir, 'report.html');
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    expect(await drift(['--reference', ref, '--data', cur, '--exclude', 'date', '--html', html])).toBe(0);
  } finally {
    log.mockRestore();
  }
  return html;
}

describe('HTML drift report', () => {
  it('renders from disk in Chromium with the verdict, features by severity and histograms, without errors or network', async () => {
    const html = await writeReport();
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href);
    await page.screenshot({ path: join(artifacts, 'drift-report.png'), fullPage: true });

    expect(problems).toEqual([]);
    // Self-contained: the page itself is the only thing loaded.
    expect(requests).toEqual([pathToFileURL(html).href]);
    await expect(page.locator('.verdict').getAttribute('data-verdict')).resolves.toBe('drift');
    // Features by severity: drifted rows first.
    const verdicts = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.className));
    const firstOk = verdicts.indexOf('no_drift');
    expect(verdicts.slice(0, Math.max(0, firstOk)).every((v) => v === 'drift')).toBe(true);
    expect(verdicts.lastIndexOf('drift')).toBeLessThan(firstOk === -1 ? Infinity : firstOk);
    // A histogram per feature with both series drawn, and the categorical feature side by side.
    const charts = page.locator('svg[aria-label^="histogram of"]');
    await expect(charts.count()).resolves.toBe(5);
    const box = await charts.first().boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    await expect(page.locator('#f-input-weather table.cats tbody tr').count()).resolves.toBeGreaterThan(1);
    await expect(page.locator('#f-input-temp_max .meta').textContent()).resolves.toMatch(/ks on raw values · score .* threshold 0\.05 \(default\) · baseline n = 1096, window n = \d+/);
    await page.close();
  });
});

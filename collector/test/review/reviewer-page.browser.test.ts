import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPredictionId } from '@modelwatch/core';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { call } from '../helpers/http.js';
import { createRecord } from '../helpers/records.js';

/** The reviewer page in headless Chromium for non-tabular inputs: the text itself, the image itself. */
const TOKEN = 'page-token';
const artifacts = join(dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
const dir = mkdtempSync(join(tmpdir(), 'mw-review-page-'));
// A 2x2 red PNG.
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==';
let c: RunningCollector;
let browser: Browser;

beforeAll(async () => {
  c = await startCollector({ port: 0, db: join(dir, 'c.db'), token: TOKEN, evaluateEvery: '1h', predictionRetention: '1d' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  mkdirSync(artifacts, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reviewer page', () => {
  it('shows a text input as text and an image input as an image, and skips to the next item', async () => {
    const now = Date.now() - 1000;
    const text = createRecord('sentiment', 0, {
      id: newPredictionId(now),
      time: new Date(now).toISOString(),
      prediction: 'positive',
      confidence: 0.51,
      inputs: { review: 'The battery lasts two days but the screen cracked in a week; <b>not</b> what I hoped for.' },
    });
    const image = createRecord('sentiment', 0, {
      id: newPredictionId(now + 1),
      time: new Date(now + 1).toISOString(),
      prediction: 'negative',
      confidence: 0.42,
      inputs: { photo: PNG, camera: 'front' },
    });
    const sent = await call(`${c.url}/api/v1/models/sentiment/review`, {
      body: { items: [{ reason: 'confidence', record: text }, { reason: 'confidence', record: image }] },
      token: TOKEN,
    });
    expect(sent.body.queued).toBe(2);
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${c.url}/review?model=sentiment&reviewer=bob`);
    await page.fill('#token', TOKEN);
    await page.click('#start');
    await page.waitForSelector('#text:not(.hidden)');
    // Shown as text, never as markup.
    expect(await page.textContent('#text')).toContain('<b>not</b>');
    expect(await page.isHidden('#features')).toBe(true);
    await page.screenshot({ path: join(artifacts, 'reviewer-page-text.png') });
    await page.click('#skip');
    await page.waitForSelector('#image:not(.hidden)');
    expect(await page.getAttribute('#image', 'src')).toBe(PNG);
    expect(await page.$$eval('#features tbody tr', (rows) => rows.map((r) => (r as HTMLElement).innerText.replace(/\s+/g, ' ').trim()))).toEqual(['camera front']);
    // No class table for this model: the reviewer types the label.
    await page.fill('#other-value', 'neutral');
    await page.click('#other button');
    // The skipped text item stays in the queue for someone else; this reviewer has nothing left.
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('empty'));
    expect(errors).toEqual([]);
    await page.close();
    const stored = await call(`${c.url}/api/v1/models/sentiment/predictions/${image.id}`, { token: TOKEN });
    expect(stored.body.label).toBe('neutral');
    const pending = await call(`${c.url}/api/v1/review?model=sentiment`, { token: TOKEN });
    expect(pending.body.items.map((i: { predictionId: string }) => i.predictionId)).toEqual([text.id]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { createProfile, createPushedWindow } from '../helpers/factories.js';
import { call } from '../helpers/http.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GET /report/{model}', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector({ port: 0, db: join(dir, 'report.db'), windows: ['15m', '1h'], evaluateEvery: '1h' });
  });
  afterAll(async () => c?.close());

  it('serves the latest evaluation as the HTML report, with the window histograms', async () => {
    await call(`${c.url}/api/v1/models/shop/baselines`, { body: createProfile('shop') });
    expect((await call(`${c.url}/report/shop`)).status).toBe(404);
    const drifted = createPushedWindow({
      model: 'shop',
      features: [
        { name: 'x', type: 'numeric', counts: [0, 0, 0, 400], missing: 0 },
        { name: 'color', type: 'categorical', counts: [0, 0, 400], missing: 0 },
      ],
    });
    await call(`${c.url}/api/v1/models/shop/windows`, { body: drifted });
    await c.evaluate();
    const res = await fetch(`${c.url}/report/shop?window=1h`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('data-verdict="drift"');
    expect(html).toContain('Drift report: shop, last 1h');
    expect(html).toContain('aria-label="histogram of x"');
    expect(html).toContain('aria-label="histogram of color"');
    // Self-contained: no external script, stylesheet or image.
    expect(html).not.toMatch(/<(script|link|img)\b/);
  });

  it('answers 404 for a window that is not configured and 400 for a bad model name', async () => {
    expect((await call(`${c.url}/report/shop?window=5m`)).status).toBe(404);
    expect((await call(`${c.url}/report/-bad`)).status).toBe(400);
  });
});

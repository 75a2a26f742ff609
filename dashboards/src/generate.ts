/**
 * Writes the dashboard JSON files from their TypeScript definitions:
 *   npx tsx dashboards/src/generate.ts          (write)
 *   npx tsx dashboards/src/generate.ts --check  (exit 1 when a committed file is out of date)
 * pipeline.json belongs to the Grafana plugin and is written by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { driftDashboard } from './drift.js';
import { overviewDashboard } from './overview.js';
import { performanceDashboard } from './performance.js';
import { reviewDashboard } from './review.js';
import { rolloutsDashboard } from './rollouts.js';

export const GENERATED_DASHBOARDS: Record<string, () => object> = {
  'overview.json': overviewDashboard,
  'drift.json': driftDashboard,
  'rollouts.json': rolloutsDashboard,
  'performance.json': performanceDashboard,
  'review.json': reviewDashboard,
};

export const DASHBOARDS_DIR = fileURLToPath(new URL('../', import.meta.url));

export function renderDashboard(build: () => object): string {
  return JSON.stringify(build(), null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, build] of Object.entries(GENERATED_DASHBOARDS)) {
    const text = renderDashboard(build);
    if (!check) {
      writeFileSync(DASHBOARDS_DIR + file, text);
      continue;
    }
    let current = '';
    try {
      current = readFileSync(DASHBOARDS_DIR + file, 'utf8');
    } catch {
      // a missing file is out of date
    }
    if (current !== text) {
      console.error(`dashboards/${file} is out of date: run npx tsx dashboards/src/generate.ts`);
      stale++;
    }
  }
  process.exit(stale ? 1 : 0);
}

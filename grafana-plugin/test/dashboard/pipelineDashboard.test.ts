// @vitest-environment node
import { CONTRACT_SERIES_NAMES, Label } from '@modelwatch/core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_REF_IDS, PANEL_QUERIES } from '../../src/data/queries.js';
import { buildPipelineDashboard, DASHBOARD_PATH } from '../../scripts/pipelineDashboard.js';

interface Target { refId: string; expr: string; instant: boolean; datasource: { uid: string } }
interface Panel { type: string; targets?: Target[]; datasource?: { uid: string }; fieldConfig?: { defaults: { unit?: string } } }

const committed = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8'));
const panels: Panel[] = committed.panels;
const exprs = panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
/** Label keys PromQL may group or match on besides the contract's: histogram buckets and scrape target labels. */
const EXTRA_LABELS = new Set(['le', 'job', 'instance']);

describe('Pipeline dashboard (dashboards/pipeline.json)', () => {
  it('is the output of the generator (regenerate with npm run dashboard -w grafana-plugin)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildPipelineDashboard())));
  });

  it('feeds the pipeline health panel exactly the query set it expects, as instant queries', () => {
    const panel = panels.find((p) => p.type === 'modelwatch-pipelinehealth-panel')!;
    expect(panel.targets!.map((t) => t.refId).sort()).toEqual([...ALL_REF_IDS].sort());
    for (const t of panel.targets!) {
      expect(t.expr).toBe(PANEL_QUERIES[t.refId as keyof typeof PANEL_QUERIES]);
      expect(t.instant).toBe(true);
    }
  });

  it('uses only series names from the metric contract (plus up)', () => {
    const names = exprs.flatMap((e) => e.match(/\b[a-z_:][a-z0-9_:]*(?=\s*[{[])|\bup\b/g) ?? []);
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(n === 'up' || CONTRACT_SERIES_NAMES.has(n), n).toBe(true);
  });

  it('groups and matches only on contract label keys', () => {
    const contract = new Set<string>(Object.values(Label));
    const keys = exprs.flatMap((e) => [
      ...[...e.matchAll(/\b(?:by|on)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((s) => s.trim()).filter(Boolean)),
      ...[...e.matchAll(/([a-z_]+)\s*[=!]~?"/g)].map((m) => m[1]),
    ]);
    expect(keys.length).toBeGreaterThan(10);
    for (const k of keys) expect(contract.has(k) || EXTRA_LABELS.has(k), k).toBe(true);
  });

  it('uses the datasource variable, $__rate_interval and a unit on every panel', () => {
    for (const p of panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource!.uid).toBe('${datasource}');
      expect(p.fieldConfig!.defaults.unit).toBeTruthy();
      for (const t of p.targets!) expect(t.datasource.uid).toBe('${datasource}');
    }
    for (const e of exprs.filter((x) => x.includes('rate('))) expect(e).not.toMatch(/rate\([^)]*\[\d+[smh]\]\)/);
    expect(exprs.some((e) => e.includes('[$__rate_interval]'))).toBe(true);
    expect(committed.templating.list.map((v: { name: string }) => v.name)).toEqual(['datasource', 'pipeline']);
  });
});

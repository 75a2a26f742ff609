import { readFileSync } from 'node:fs';
import { CONTRACT_SERIES_NAMES, DEFAULT_METRIC_PREFIXES } from '@modelwatch/core';
import { describe, expect, it } from 'vitest';
import { loadAlerts, loadGroups, loadRecordingRules } from '../../alert-rules/src/load.js';
import { metricNames } from '../../alert-rules/src/promql-names.js';
import { DASHBOARDS_DIR, GENERATED_DASHBOARDS, renderDashboard } from '../src/generate.js';
import { dashboardExpressions, loadDashboards } from '../src/load.js';

const recorded = new Set(loadRecordingRules().map((r) => r.record));

function unknownNames(expr: string): string[] {
  return metricNames(expr).filter(
    (n) => !CONTRACT_SERIES_NAMES.has(n) && !recorded.has(n) && n !== 'up' && !DEFAULT_METRIC_PREFIXES.some((p) => n.startsWith(p)),
  );
}

describe('metricNames', () => {
  it('finds metric names and skips functions, keywords, label matchers and grouping labels', () => {
    expect(
      metricNames(
        'sum by (model, stage) (rate(a_total{le="0.25",x=~"by|on"}[5m])) / on (model) group_left () max(b:rec:ratio) > 1e-3 and time() - c offset 1h',
      ).sort(),
    ).toEqual(['a_total', 'b:rec:ratio', 'c']);
  });
});

describe('dashboards and rules use only the metric contract', () => {
  it('every rule expression names contract metrics, recording rules, up or default process metrics', () => {
    for (const group of loadGroups()) {
      for (const rule of group.rules) {
        const name = 'alert' in rule ? rule.alert : rule.record;
        expect(unknownNames(rule.expr), `${name}: ${rule.expr}`).toEqual([]);
      }
    }
    expect(loadAlerts().length).toBeGreaterThan(15);
  });

  it('every dashboard expression names contract metrics, recording rules, up or default process metrics', () => {
    const dashboards = loadDashboards();
    expect(dashboards.map((d) => d.file)).toEqual(expect.arrayContaining(['drift.json', 'overview.json', 'rollouts.json']));
    for (const { file, json } of dashboards) {
      for (const { where, expr } of dashboardExpressions(json)) {
        expect(unknownNames(expr), `${file} / ${where}: ${expr}`).toEqual([]);
      }
    }
  });
});

describe('generated dashboards', () => {
  it('match their TypeScript definitions', () => {
    for (const [file, build] of Object.entries(GENERATED_DASHBOARDS)) {
      expect(readFileSync(DASHBOARDS_DIR + file, 'utf8'), file).toBe(renderDashboard(build));
    }
  });

  for (const [file, build] of Object.entries(GENERATED_DASHBOARDS)) {
    describe(file, () => {
      const json = JSON.parse(renderDashboard(build)) as ReturnType<typeof loadDashboards>[number]['json'];
      const panels = json.panels.filter((p) => p.type !== 'row');

      it('has a datasource variable and a model variable', () => {
        const vars = json.templating.list.map((v) => `${v.type}:${v.name}`);
        expect(vars[0]).toBe('datasource:datasource');
        expect(vars).toContain('query:model');
      });

      it('puts a unit on every panel', () => {
        for (const p of panels) expect(p.fieldConfig?.defaults?.unit, p.title).toMatch(/\w/);
      });

      it('uses $__rate_interval (or $__range) in every rate and increase', () => {
        for (const { where, expr } of dashboardExpressions(json)) {
          for (const m of expr.matchAll(/\b(?:rate|increase)\([^[]*\[([^\]]+)\]/g)) {
            expect(m[1], `${where}: ${expr}`).toMatch(/^\$__(rate_interval|range)$/);
          }
        }
      });

      it('scopes every panel query to the selected model', () => {
        for (const p of panels) {
          for (const t of p.targets ?? []) {
            if (t.expr && /modelwatch_|model:/.test(t.expr)) expect(t.expr, p.title).toContain('model="$model"');
          }
        }
      });
    });
  }

  it('marks rollout events on the Rollouts dashboard with an annotation over contract metrics', () => {
    const json = JSON.parse(renderDashboard(GENERATED_DASHBOARDS['rollouts.json'])) as { annotations: { list: { expr: string; titleFormat: string }[] } };
    expect(json.annotations.list).toHaveLength(1);
    const [events] = json.annotations.list;
    expect(metricNames(events.expr)).toEqual(['modelwatch_rollout_events_total']);
    expect(unknownNames(events.expr)).toEqual([]);
    expect(events.expr).toContain('model="$model"');
    expect(events.titleFormat).toContain('{{action}}');
  });

  it('gives every dashboard a unique uid', () => {
    const uids = loadDashboards().map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });
});

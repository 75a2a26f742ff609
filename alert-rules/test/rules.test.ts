import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RULE_FILES, RULES_DIR, renderRuleFile } from '../src/generate.js';
import { ALERTMANAGER_CONFIG, TESTS_PATH, loadAlerts, loadGroups, ruleFiles } from '../src/load.js';
import { ALL_RECORDED_WINDOWS, MODEL_IDENTITY_LABELS } from '@modelwatch/core';

const RUNBOOKS = fileURLToPath(new URL('../../docs/runbooks.md', import.meta.url));

interface PromtoolCase {
  interval?: string;
  alert_rule_test?: {
    eval_time: string;
    alertname: string;
    exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
  }[];
}

function promtoolCases(): PromtoolCase[] {
  return readdirSync(TESTS_PATH)
    .filter((f) => f.endsWith('.test.yaml'))
    .flatMap((f) => (parse(readFileSync(TESTS_PATH + f, 'utf8')) as { tests: PromtoolCase[] }).tests);
}

const minutes = (d: string) => {
  const m = /^(\d+)(m|h)$/.exec(d);
  if (!m) throw new Error(`unsupported duration ${d}`);
  return Number(m[1]) * (m[2] === 'h' ? 60 : 1);
};

describe('alert rules', () => {
  it('committed rule files match what config.ts generates', () => {
    for (const [file, groups] of Object.entries(RULE_FILES)) {
      expect(readFileSync(RULES_DIR + file, 'utf8'), file).toBe(renderRuleFile(groups));
    }
  });

  it('pass promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', ...ruleFiles()], { encoding: 'utf8' });
    expect(out).not.toMatch(/FAILED/);
  });

  it('pass their promtool unit tests', () => {
    const files = readdirSync(TESTS_PATH).filter((f) => f.endsWith('.test.yaml'));
    const out = execFileSync('promtool', ['test', 'rules', ...files], { cwd: TESTS_PATH, encoding: 'utf8' });
    expect(out.match(/SUCCESS/g)).toHaveLength(files.length);
  });

  it('give every alert a severity, a for, a summary, a templated description and a runbook heading', () => {
    const runbooks = readFileSync(RUNBOOKS, 'utf8');
    for (const rule of loadAlerts()) {
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity);
      expect(rule.for, rule.alert).toMatch(/^\d+[mh]$/);
      expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(10);
      expect(rule.annotations.description, rule.alert).toMatch(/\{\{ \$labels\.\w+ \}\}/);
      const anchor = rule.annotations.runbook_url.split('#')[1];
      expect(anchor, rule.alert).toBe(rule.alert.toLowerCase());
      expect(runbooks, rule.alert).toContain(`\n## ${rule.alert}\n`);
    }
  });

  it('test every alert at its for: boundary with every label and annotation', () => {
    const cases = promtoolCases();
    for (const rule of loadAlerts()) {
      const tests = cases.flatMap((c) =>
        (c.alert_rule_test ?? []).filter((t) => t.alertname === rule.alert).map((t) => ({ ...t, step: minutes(c.interval ?? '1m') })),
      );
      const firing = tests.filter((t) => t.exp_alerts.length > 0);
      expect(firing.length, `${rule.alert} has a firing case`).toBeGreaterThan(0);
      for (const fire of firing) {
        // The alert is silent one evaluation before it fires: the for: boundary is pinned.
        const before = tests.find((t) => t.exp_alerts.length === 0 && minutes(t.eval_time) === minutes(fire.eval_time) - fire.step);
        expect(before, `${rule.alert} has a silent case just before ${fire.eval_time}`).toBeDefined();
        expect(minutes(fire.eval_time), rule.alert).toBeGreaterThanOrEqual(minutes(rule.for));
        for (const exp of fire.exp_alerts) {
          expect(exp.exp_labels.severity, rule.alert).toBe(rule.labels.severity);
          expect(Object.keys(exp.exp_annotations).sort(), rule.alert).toEqual(['description', 'runbook_url', 'summary']);
          expect(exp.exp_annotations.runbook_url, rule.alert).toBe(rule.annotations.runbook_url);
        }
      }
    }
  });
});

describe('cross-replica window rules', () => {
  const group = () => loadGroups().find((g) => g.name === 'modelwatch-windows')!;

  it('record every series the collector reads in recorded mode, from the contract', () => {
    const records = group().rules.map((r) => ('record' in r ? r.record : ''));
    expect(records.sort()).toEqual(ALL_RECORDED_WINDOWS.map((r) => r.record).sort());
  });

  it('increase each replica over exactly the group interval, then sum to the identity labels (reset-safe)', () => {
    const g = group();
    for (const r of g.rules) {
      const rec = ALL_RECORDED_WINDOWS.find((w) => 'record' in r && w.record === r.record)!;
      // increase() inside, sum outside: a replica's counter reset is handled before the replicas are added.
      expect(r.expr).toBe(`sum by (${rec.by.join(', ')}) (increase(${rec.source}[${g.interval}]))`);
      for (const l of MODEL_IDENTITY_LABELS) expect(rec.by).toContain(l);
      expect(rec.by).not.toContain('instance');
    }
  });
});

describe('alertmanager example config', () => {
  it('passes amtool check-config', () => {
    const out = execFileSync('amtool', ['check-config', ALERTMANAGER_CONFIG], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS/);
  });

  it('routes critical alerts to the pager and warnings to chat', () => {
    const route = (labels: string[]) =>
      execFileSync('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, ...labels], {
        encoding: 'utf8',
      }).trim();
    expect(route(['severity=critical', 'model=weather'])).toBe('modelwatch-pager');
    expect(route(['severity=warning', 'model=weather'])).toBe('modelwatch-chat');
  });

  it('lets a critical alert inhibit warnings of the same model and stage', () => {
    const config = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as {
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    };
    expect(config.inhibit_rules).toContainEqual({
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity="warning"'],
      equal: ['model', 'stage'],
    });
  });
});

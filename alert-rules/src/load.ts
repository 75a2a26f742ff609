import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { AlertingRule, RecordingRule, RuleGroup } from './rule.js';

/** Reads the committed rule files: what Prometheus loads, so tests and e2e check exactly that. */
export const RULES_PATH = fileURLToPath(new URL('../rules/', import.meta.url));
export const TESTS_PATH = fileURLToPath(new URL('../tests/', import.meta.url));
export const ALERTMANAGER_CONFIG = fileURLToPath(new URL('../alertmanager/alertmanager.yml', import.meta.url));

export function ruleFiles(): string[] {
  return readdirSync(RULES_PATH)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => RULES_PATH + f);
}

export function loadGroups(): RuleGroup[] {
  return ruleFiles().flatMap((f) => (parse(readFileSync(f, 'utf8')) as { groups: RuleGroup[] }).groups);
}

export function loadAlerts(): AlertingRule[] {
  return loadGroups().flatMap((g) => g.rules.filter((r): r is AlertingRule => 'alert' in r));
}

export function loadRecordingRules(): RecordingRule[] {
  return loadGroups().flatMap((g) => g.rules.filter((r): r is RecordingRule => 'record' in r));
}

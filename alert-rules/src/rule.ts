import { config } from './config.js';

/** Prometheus rule file shapes (https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/). */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/** A recording rule whose expression is generated from the contract. */
export type RecordedWindowRule = RecordingRule;

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' | 'info' } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  /** Group evaluation interval; the global one when absent. */
  interval?: string;
  rules: (RecordingRule | AlertingRule)[];
}

export interface AlertSpec {
  name: string;
  expr: string;
  for: string;
  severity: AlertingRule['labels']['severity'];
  summary: string;
  description: string;
}

/** GitHub heading anchors: lower case, the alert name has no spaces or punctuation. */
export function runbookUrl(alertName: string): string {
  return `${config.runbookBase}#${alertName.toLowerCase()}`;
}

export function alert(spec: AlertSpec): AlertingRule {
  return {
    alert: spec.name,
    expr: spec.expr,
    for: spec.for,
    labels: { severity: spec.severity },
    annotations: { summary: spec.summary, description: spec.description, runbook_url: runbookUrl(spec.name) },
  };
}

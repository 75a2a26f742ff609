import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_FILES_DIR = fileURLToPath(new URL('../', import.meta.url));

export interface DashboardJson {
  uid: string;
  title: string;
  templating: { list: { name: string; type: string; query: unknown; definition?: string }[] };
  panels: { type: string; title: string; fieldConfig?: { defaults?: { unit?: string } }; targets?: { expr?: string }[]; panels?: unknown[] }[];
  annotations?: { list: { name: string; expr?: string }[] };
}

/** Every dashboard JSON in dashboards/ (the generated ones and the plugin's pipeline.json). */
export function loadDashboards(): { file: string; json: DashboardJson }[] {
  return readdirSync(DASHBOARD_FILES_DIR)
    .filter((f) => f.endsWith('.json') && f !== 'package.json')
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(DASHBOARD_FILES_DIR + file, 'utf8')) as DashboardJson }));
}

/** Every PromQL expression of a dashboard: panel targets (rows included), annotations and query variables. */
export function dashboardExpressions(d: DashboardJson): { where: string; expr: string; annotation?: boolean }[] {
  const out: { where: string; expr: string; annotation?: boolean }[] = [];
  const visit = (panels: DashboardJson['panels']) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: p.title, expr: t.expr });
      if (Array.isArray(p.panels)) visit(p.panels as DashboardJson['panels']);
    }
  };
  visit(d.panels);
  // Annotations mark events: empty until one happens (checked for contract names, not for data).
  for (const a of d.annotations?.list ?? []) if (a.expr) out.push({ where: `annotation ${a.name}`, expr: a.expr, annotation: true });
  for (const v of d.templating.list) {
    const def = v.definition ?? (typeof v.query === 'string' ? v.query : '');
    const m = /^label_values\((.*),\s*\w+\)$/.exec(def);
    if (v.type === 'query' && m) out.push({ where: `variable ${v.name}`, expr: m[1] });
  }
  return out;
}

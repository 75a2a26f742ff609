/**
 * Metric names referenced by a PromQL expression, without a PromQL parser: drop strings, label
 * matchers, range selectors and grouping clauses, then every identifier not followed by `(` and
 * not a keyword is a metric name. Good enough for the expressions this project writes; the
 * contract tests use it to check dashboards and rules against core's metric contract.
 */
const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
  'inf', 'nan',
]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:])[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const id = m[0];
    // A function call, not a metric (checked after the whole identifier, so no backtracking into it).
    if (/^\s*\(/.test(stripped.slice(m.index + id.length))) continue;
    if (KEYWORDS.has(id.toLowerCase())) continue;
    if (/^\d/.test(id)) continue;
    names.add(id);
  }
  return [...names];
}

/**
 * A window file counted on a baseline's bins by the embedded engine, in ONE pass over the file:
 * one `histogram(x, edges)` aggregate per feature and output, all in a single scan. Counts are
 * exact, as the streaming WindowBuilder's are.
 */
import type { BaselineProfile, FeatureProfile } from '../baseline/profile.js';
import type { LiveWindow, WindowFeatureCounts } from '../drift/types.js';
import { categoryExpr, literal, numericExpr, openSource, type BatchEngine, type EngineFormat } from './engine.js';

export async function windowWithEngine(
  engine: BatchEngine,
  path: string,
  format: EngineFormat,
  baseline: BaselineProfile,
): Promise<{ window: LiveWindow; rows: number }> {
  const profiles: FeatureProfile[] = [...baseline.features, ...baseline.outputs];
  const text = profiles.filter((f) => f.type === 'categorical').map((f) => f.name);
  const source = await openSource(engine, path, format, () => text);
  const byName = new Map(source.columns.map((c) => [c.name, c]));
  const value = (f: FeatureProfile, i: number) => `${f.type === 'numeric' ? numericExpr(byName.get(f.name)) : categoryExpr(byName.get(f.name))} AS v${i}`;
  // DuckDB's histogram(x, boundaries) bins by `x ≤ edge`: the profile's `le` convention.
  const hist = (f: FeatureProfile, i: number): string => {
    if (f.type === 'numeric') return f.bins.edges.length ? `histogram(v${i}, [${f.bins.edges.join(', ')}]::DOUBLE[]) AS h${i}` : `count(v${i}) AS h${i}`;
    const table = f.categories;
    const index = table.length ? `CASE v${i} ${table.map((v, k) => `WHEN ${literal(v.value)} THEN ${k}`).join(' ')} ELSE ${table.length} END` : `CASE WHEN v${i} IS NULL THEN NULL ELSE 0 END`;
    return `histogram(${index}) AS h${i}`;
  };
  const values = profiles.length ? profiles.map(value).join(', ') : '1 AS dummy';
  const [r] = await engine.query(`SELECT count(*) AS n${profiles.length ? ', ' + profiles.map(hist).join(', ') : ''} FROM (SELECT ${values} FROM ${source.sql})`);
  const rows = Number(r!.n);
  const counts: WindowFeatureCounts[] = profiles.map((f, i) => {
    const size = f.type === 'numeric' ? f.bins.edges.length + 1 : f.categories.length + 1;
    const c = new Array<number>(size).fill(0);
    const h = r![`h${i}`];
    if (f.type === 'numeric' && f.bins.edges.length === 0) c[0] = Number(h);
    else {
      for (const { key, value } of (h ?? []) as { key: unknown; value: unknown }[]) {
        const k = f.type === 'numeric' ? f.bins.edges.indexOf(Number(key)) : Number(key);
        c[k >= 0 ? k : size - 1]! += Number(value);
      }
    }
    return { name: f.name, type: f.type, counts: c, missing: rows - c.reduce((s, v) => s + v, 0) };
  });
  const nFeatures = baseline.features.length;
  return {
    window: {
      model: baseline.model,
      window: 'batch',
      start: new Date().toISOString(),
      end: new Date().toISOString(),
      features: counts.slice(0, nFeatures),
      outputs: counts.slice(nFeatures).map((c, k) => ({ ...c, output: baseline.outputs[k]!.output, role: baseline.outputs[k]!.role })),
    },
    rows,
  };
}

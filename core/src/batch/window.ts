/**
 * A window file counted on a baseline's bins by the embedded engine, in ONE pass over the file:
 * every feature's and output's bin (or category) is computed per row and all counts come out of
 * a single GROUPING SETS aggregation. Counts are exact, as the streaming WindowBuilder's are.
 */
import type { BaselineProfile, FeatureProfile } from '../baseline/profile.js';
import type { LiveWindow, WindowFeatureCounts } from '../drift/types.js';
import { categoryExpr, describeSource, literal, numericExpr, sourceSql, type BatchEngine } from './engine.js';

export async function windowWithEngine(
  engine: BatchEngine,
  path: string,
  format: 'csv' | 'parquet',
  baseline: BaselineProfile,
): Promise<{ window: LiveWindow; rows: number }> {
  const profiles: FeatureProfile[] = [...baseline.features, ...baseline.outputs];
  const text = profiles.filter((f) => f.type === 'categorical').map((f) => f.name);
  const sniffed = await describeSource(engine, path, format);
  const names = new Set(sniffed.map((c) => c.name));
  const textColumns = text.filter((t) => names.has(t));
  const source = format === 'csv' && textColumns.length ? await describeSource(engine, path, format, textColumns) : sniffed;
  const byName = new Map(source.map((c) => [c.name, c]));
  const value = (f: FeatureProfile, i: number) => `${f.type === 'numeric' ? numericExpr(byName.get(f.name)) : categoryExpr(byName.get(f.name))} AS v${i}`;
  const bin = (f: FeatureProfile, i: number): string => {
    if (f.type === 'numeric') {
      const edges = f.bins.edges;
      // bin = number of edges below the value (the profile's `le` convention); NULL = missing.
      return edges.length ? `(${edges.map((e) => `(v${i} > ${e})::INTEGER`).join(' + ')}) AS b${i}` : `CASE WHEN v${i} IS NULL THEN NULL ELSE 0 END AS b${i}`;
    }
    const table = f.categories;
    return `CASE WHEN v${i} IS NULL THEN NULL ${table.map((v, k) => `WHEN v${i} = ${literal(v.value)} THEN ${k}`).join(' ')} ELSE ${table.length} END AS b${i}`;
  };
  const sets = [...profiles.map((_, i) => `(b${i})`), '()'].join(', ');
  const values = profiles.length ? profiles.map(value).join(', ') : '1 AS dummy';
  const bins = profiles.length ? profiles.map(bin).join(', ') : '1 AS dummy';
  const result = await engine.query(
    `SELECT ${profiles.map((_, i) => `b${i}, GROUPING(b${i}) AS g${i}`).join(', ')}${profiles.length ? ',' : ''} count(*) AS n ` +
      `FROM (SELECT ${bins} FROM (SELECT ${values} FROM ${sourceSql(path, format, textColumns)})) ` +
      `GROUP BY GROUPING SETS (${sets})`,
  );
  const counts: WindowFeatureCounts[] = profiles.map((f) => ({
    name: f.name,
    type: f.type,
    counts: new Array<number>(f.type === 'numeric' ? f.bins.edges.length + 1 : f.categories.length + 1).fill(0),
    missing: 0,
  }));
  let rows = 0;
  for (const r of result) {
    const i = profiles.findIndex((_, k) => Number(r[`g${k}`]) === 0);
    if (i < 0) {
      rows = Number(r.n);
      continue;
    }
    const b = r[`b${i}`];
    if (b === null) counts[i]!.missing += Number(r.n);
    else counts[i]!.counts[Number(b)]! += Number(r.n);
  }
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

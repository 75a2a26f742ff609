/**
 * `baseline create` on the embedded engine: the same profile the streaming ProfileBuilder makes
 * (same chunks, same bin convention, same category order), computed by DuckDB in three queries
 * over a table loaded once from the file:
 *   1. moments and 201 exact quantiles per numeric column (the bin edges are among them; the rest
 *      are the profile's sketch), category counts per categorical column;
 *   2. exact counts per chunk and bin of every column, in one GROUPING SETS pass.
 * Edges are exact quantiles here (the streaming path takes them from its KLL sketch).
 */
import { BASELINE_SCHEMA, type BaselineProfile, type CategoricalFeatureProfile, type ChunkProfile, type FeatureType, type NumericFeatureProfile, type OutputProfile } from '../baseline/profile.js';
import { DEFAULT_BINS, DEFAULT_TOP_K, type ProfileBuilderOptions } from '../baseline/builder.js';
import { KLL_DEFAULT_K, type KllSketchData } from '../baseline/sketch.js';
import { categoryExpr, describeSource, ident, inferredType, literal, numericExpr, sourceSql, type BatchEngine, type SourceColumn } from './engine.js';

const MAX_CHUNKS = 200;
/** Quantiles kept per numeric column: the bin edges (i/bins) are among them when bins divides this. */
const SKETCH_POINTS = 200;

interface Column {
  name: string;
  type: FeatureType;
  /** Column name in the loaded table. */
  col: string;
}

function planColumns(source: SourceColumn[], options: ProfileBuilderOptions): Column[] {
  const outputs = new Map((options.outputs ?? []).map((o) => [o.name, o]));
  const exclude = new Set(options.exclude ?? []);
  const include = options.include ? new Set([...options.include, ...outputs.keys()]) : undefined;
  const explicit = options.features ? new Map(options.features.map((f) => [f.name, f.type])) : undefined;
  const picked: { name: string; type: FeatureType }[] = [];
  for (const c of source) {
    if (explicit && !explicit.has(c.name) && !outputs.has(c.name)) continue;
    if (!explicit && (exclude.has(c.name) || (include && !include.has(c.name)))) continue;
    const o = outputs.get(c.name);
    const type = explicit?.get(c.name) ?? options.types?.[c.name] ?? o?.type ?? (o ? (o.role === 'confidence' ? 'numeric' : 'categorical') : inferredType(c));
    picked.push({ name: c.name, type });
  }
  // Outputs go last, as the streaming builder adds them after the features.
  const ordered = [...picked.filter((p) => !outputs.has(p.name)), ...picked.filter((p) => outputs.has(p.name))];
  return ordered.map((p, i) => ({ ...p, col: `c${i}` }));
}

/** Profile quantiles as a KLL sketch: one level of equally weighted points (weight n / points, rounded to 2^h). */
function sketchFrom(points: number[], n: number, min: number, max: number): KllSketchData {
  const h = Math.max(0, Math.round(Math.log2(Math.max(1, n / Math.max(1, points.length)))));
  const levels: number[][] = Array.from({ length: h + 1 }, () => []);
  levels[h] = points.slice();
  return { type: 'kll', k: KLL_DEFAULT_K, n, min, max, levels };
}

export async function profileWithEngine(
  engine: BatchEngine,
  path: string,
  format: 'csv' | 'parquet',
  options: ProfileBuilderOptions,
): Promise<{ profile: BaselineProfile; rows: number }> {
  const bins = options.bins ?? DEFAULT_BINS;
  const topK = options.topK ?? DEFAULT_TOP_K;
  const sniffed = await describeSource(engine, path, format);
  const planned = planColumns(sniffed, options);
  const textColumns = planned.filter((c) => c.type === 'categorical').map((c) => c.name);
  const source = format === 'csv' && textColumns.length ? await describeSource(engine, path, format, textColumns) : sniffed;
  const byName = new Map(source.map((c) => [c.name, c]));
  const select = planned.map((c) => `${c.type === 'numeric' ? numericExpr(byName.get(c.name)) : categoryExpr(byName.get(c.name))} AS ${c.col}`);
  // Loaded once (parsed once), kept on disk by the engine, read by both passes below.
  await engine.query(`CREATE TABLE t AS SELECT ${select.length ? select.join(', ') : '1 AS dummy'} FROM ${sourceSql(path, format, textColumns)}`);

  const numeric = planned.filter((c) => c.type === 'numeric');
  const categorical = planned.filter((c) => c.type === 'categorical');
  const qs = Array.from({ length: SKETCH_POINTS + 1 }, (_, i) => i / SKETCH_POINTS);
  const edgeQs = Array.from({ length: bins + 1 }, (_, i) => i / bins);
  const pass1 = [
    'count(*) AS rows',
    ...numeric.flatMap((c) => [
      `count(${c.col}) AS n_${c.col}`,
      `min(${c.col}) AS min_${c.col}`,
      `max(${c.col}) AS max_${c.col}`,
      `avg(${c.col}) AS mean_${c.col}`,
      `stddev_pop(${c.col}) AS std_${c.col}`,
      `quantile_disc(${c.col}, [${qs.join(', ')}]) AS q_${c.col}`,
      `quantile_disc(${c.col}, [${edgeQs.join(', ')}]) AS e_${c.col}`,
    ]),
  ];
  const [stats] = await engine.query(`SELECT ${pass1.join(', ')} FROM t`);
  const rows = Number(stats!.rows);

  const tables = new Map<string, { value: string; count: number }[]>();
  const present = new Map<string, number>();
  if (categorical.length) {
    const sets = categorical.map((c) => `(${c.col})`).join(', ');
    const grouped = await engine.query(
      `SELECT ${categorical.map((c) => `${c.col}, GROUPING(${c.col}) AS g_${c.col}`).join(', ')}, count(*) AS n FROM t GROUP BY GROUPING SETS (${sets})`,
    );
    for (const c of categorical) {
      const values = grouped.filter((r) => Number(r[`g_${c.col}`]) === 0 && r[c.col] !== null).map((r) => ({ value: String(r[c.col]), count: Number(r.n) }));
      present.set(c.col, values.reduce((s, v) => s + v.count, 0));
      tables.set(c.col, values.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)).slice(0, topK));
    }
  }

  const edgesOf = new Map<string, number[]>();
  for (const c of numeric) {
    const raw = (stats![`e_${c.col}`] as number[] | null) ?? [];
    const edges: number[] = [];
    for (const e of raw) if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
    edgesOf.set(c.col, edges);
  }

  // Pass 2: exact counts per chunk and bin (bin = number of edges below the value, the profile's
  // `le` convention; NULL = missing), every column in one GROUPING SETS scan.
  const wanted = options.chunkRows ?? Math.max(100, Math.ceil(rows / 20));
  const chunkRows = Math.max(1, wanted, Math.ceil(rows / MAX_CHUNKS));
  const binExpr = (c: Column): string => {
    if (c.type === 'numeric') {
      const edges = edgesOf.get(c.col)!;
      return edges.length ? `(${edges.map((e) => `(${c.col} > ${e})::INTEGER`).join(' + ')})` : `CASE WHEN ${c.col} IS NULL THEN NULL ELSE 0 END`;
    }
    const table = tables.get(c.col)!;
    return table.length ? `CASE ${c.col} ${table.map((v, i) => `WHEN ${literal(v.value)} THEN ${i}`).join(' ')} ELSE ${table.length} END` : `CASE WHEN ${c.col} IS NULL THEN NULL ELSE 0 END`;
  };
  const binCols = planned.map((c) => `${binExpr(c)} AS b_${c.col}`);
  const counted = planned.length
    ? await engine.query(
        `SELECT chunk, ${planned.map((c) => `b_${c.col}, GROUPING(b_${c.col}) AS g_${c.col}`).join(', ')}, count(*) AS n ` +
          `FROM (SELECT rowid // ${chunkRows} AS chunk, ${binCols.join(', ')} FROM t) ` +
          `GROUP BY GROUPING SETS (${planned.map((c) => `(chunk, b_${c.col})`).join(', ')})`,
      )
    : [];
  const nChunks = Math.ceil(rows / chunkRows);
  const sizes = (c: Column) => (c.type === 'numeric' ? edgesOf.get(c.col)!.length + 1 : tables.get(c.col)!.length + 1);
  const perChunk = planned.map((c) => Array.from({ length: nChunks }, () => ({ counts: new Array<number>(sizes(c)).fill(0), missing: 0 })));
  for (const r of counted) {
    const ci = planned.findIndex((c) => Number(r[`g_${c.col}`]) === 0);
    if (ci < 0) continue;
    const slot = perChunk[ci]![Number(r.chunk)]!;
    const b = r[`b_${planned[ci]!.col}`];
    if (b === null) slot.missing += Number(r.n);
    else slot.counts[Number(b)]! += Number(r.n);
  }
  const chunks: ChunkProfile[] = [];
  for (let k = 0; k < nChunks; k++) {
    const size = Math.min(chunkRows, rows - k * chunkRows);
    // A last chunk under half the size would calibrate on noise: its rows count in totals only.
    if (k === nChunks - 1 && size < chunkRows / 2) break;
    const counts: Record<string, number[]> = {};
    const missing: Record<string, number> = {};
    planned.forEach((c, ci) => {
      counts[c.name] = perChunk[ci]![k]!.counts;
      missing[c.name] = perChunk[ci]![k]!.missing;
    });
    chunks.push({ rows: size, counts, missing });
  }

  const outputsByName = new Map((options.outputs ?? []).map((o) => [o.name, o]));
  const features: (NumericFeatureProfile | CategoricalFeatureProfile)[] = [];
  const outputs: OutputProfile[] = [];
  planned.forEach((c, ci) => {
    const totals = new Array<number>(sizes(c)).fill(0);
    let missing = 0;
    for (const slot of perChunk[ci]!) {
      slot.counts.forEach((v, i) => (totals[i]! += v));
      missing += slot.missing;
    }
    let p: NumericFeatureProfile | CategoricalFeatureProfile;
    if (c.type === 'numeric') {
      const n = Number(stats![`n_${c.col}`]);
      const min = n ? Number(stats![`min_${c.col}`]) : 0;
      const max = n ? Number(stats![`max_${c.col}`]) : 0;
      p = {
        name: c.name,
        type: 'numeric',
        count: n,
        missing,
        min,
        max,
        mean: n ? Number(stats![`mean_${c.col}`]) : 0,
        std: n ? Number(stats![`std_${c.col}`]) : 0,
        bins: { edges: edgesOf.get(c.col)!, counts: totals },
        sketch: sketchFrom(((stats![`q_${c.col}`] as number[] | null) ?? []).map(Number), n, min, max),
      };
    } else {
      const table = tables.get(c.col)!;
      p = {
        name: c.name,
        type: 'categorical',
        count: present.get(c.col) ?? 0,
        missing,
        categories: table.map((v, i) => ({ value: v.value, count: totals[i]! })),
        otherCount: totals[table.length]!,
      };
    }
    const o = outputsByName.get(c.name);
    if (o) outputs.push({ ...p, output: o.output ?? o.name, role: o.role });
    else features.push(p);
  });
  await engine.query('DROP TABLE t');
  return {
    profile: {
      schema: BASELINE_SCHEMA,
      model: options.model,
      createdAt: new Date().toISOString(),
      rows,
      features,
      outputs,
      chunks,
      metadata: { ...options.metadata, binning: 'exact', engine: 'duckdb', chunkRows: String(chunkRows) },
    },
    rows,
  };
}

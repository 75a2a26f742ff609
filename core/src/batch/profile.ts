/**
 * `baseline create` on the embedded engine: the same profile the streaming ProfileBuilder makes
 * (same chunks, same bin convention, same category order), computed by DuckDB with every core:
 *   0. the rows numbered in file order without a window function (which would run the whole
 *      scan on one thread): Parquet's `file_row_number`, or for CSV / JSON one parallel,
 *      order-preserving load into a temp table whose `rowid` is the number (`numberedRows`);
 *   1. moments and top-category candidates per column, then 201 quantiles of a systematic row
 *      sample (the bin edges and the profile's sketch);
 *   2. exact counts per chunk and bin of every column (`histogram(x, edges)`) and the spread
 *      around the mean, one GROUP BY.
 * Memory does not grow with the file: the temp table spills to disk beyond the engine's memory
 * limit, and the passes keep only aggregates.
 */
import { BASELINE_SCHEMA, type BaselineProfile, type CategoricalFeatureProfile, type ChunkProfile, type FeatureType, type NumericFeatureProfile, type OutputProfile } from '../baseline/profile.js';
import { DEFAULT_BINS, DEFAULT_TOP_K, type ProfileBuilderOptions } from '../baseline/builder.js';
import { KLL_DEFAULT_K, type KllSketchData } from '../baseline/sketch.js';
import { statSync } from 'node:fs';
import { categoryExpr, inferredType, limitBytes, literal, loadFitsPool, LOAD_MEMORY_LIMIT, numericExpr, openSource, parquetSql, type BatchEngine, type EngineFormat, type Source, type SourceColumn } from './engine.js';

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

/** Rows sampled for the quantiles (edges and sketch): every M-th row, M from the estimated size. */
const QUANTILE_SAMPLE = 32_768;
/** Candidates for a categorical table: the top-K is then chosen on their exact counts. */
const candidatesFor = (topK: number) => Math.max(2 * topK, 100);

/**
 * The profiled columns with each row's number in the file (`rn`, from 0), as a relation every pass
 * reads in parallel. A window function (`row_number() OVER ()`) would number them too, but it
 * runs the whole scan on one thread. Parquet has the number for free (`file_row_number`); CSV and
 * JSON are parsed once, with every core, into a temp table (insertion order preserved, so its
 * `rowid` is the row's number in the file), and the passes then scan columns instead of parsing
 * text again. The table lives in DuckDB's buffer pool and spills to its temp directory, so memory
 * stays flat whatever the file's size.
 */
async function numberedRows(engine: BatchEngine, path: string, format: EngineFormat, source: Source, planned: Column[], select: string[]): Promise<string> {
  const sourceColumns = source.columns.length;
  if (format === 'parquet') {
    return `(SELECT file_row_number AS rn${select.length ? ', ' + select.join(', ') : ''} FROM ${parquetSql(path, true)})`;
  }
  const load = `CREATE TEMP TABLE profiled AS SELECT ${select.length ? select.join(', ') : '1 AS dummy'} FROM ${source.sql}`;
  // Only DuckDB's batch insert keeps file order across threads; a plan without it (a join in the
  // projection, say) would load the rows shuffled and cut wrong chunks: refuse, and the caller
  // falls back to the streaming reader.
  const plan = (await engine.query(`EXPLAIN ${load}`)).map((r) => String(r.explain_value)).join('\n');
  if (!plan.includes('BATCH_CREATE_TABLE_AS')) throw new Error('the engine would not load this file in row order');
  // Room for the out-of-order batches keeps the load on every core (see LOAD_MEMORY_LIMIT); only
  // when the table fits the pool that follows, so peak memory stays that of the table. A table
  // that spills loads on one core whatever the threads: DuckDB lets only the lowest batch go on.
  // With two threads the other one sometimes spun beside it (10M × 20 CSV: 27.0 CPU-s, busiest
  // thread 13.5 s, against 12.2 CPU-s on one thread in other runs; the same in main's code), so
  // that load gets one thread.
  // (A JSON array's lines say nothing of its rows: no estimate, the load as it comes.)
  const numeric = planned.filter((c) => c.type === 'numeric').length;
  const fits = format === 'json' ? undefined : loadFitsPool(path, statSync(path).size, numeric, planned.length - numeric, sourceColumns, limitBytes(engine.memoryLimit));
  const [setting, during, after] =
    fits === undefined ? [] : fits ? ['memory_limit', `'${LOAD_MEMORY_LIMIT}'`, `'${engine.memoryLimit}'`] : ['threads', '1', String(engine.threads)];
  if (setting) await engine.query(`SET ${setting} = ${during}`);
  try {
    await engine.query(load);
  } finally {
    if (setting) await engine.query(`SET ${setting} = ${after}`);
  }
  return `(SELECT rowid AS rn${planned.length ? ', ' + planned.map((c) => c.col).join(', ') : ''} FROM profiled)`;
}

/** `histogram(x, boundaries)` → counts per bin, in the profile's `le` order (open top bin last). */
function binsOf(map: unknown, size: number, boundaries: readonly number[]): number[] {
  const counts = new Array<number>(size).fill(0);
  for (const { key, value } of (map ?? []) as { key: unknown; value: unknown }[]) {
    const k = Number(key);
    const i = boundaries.indexOf(k);
    counts[i >= 0 ? i : size - 1]! += Number(value);
  }
  return counts;
}

export async function profileWithEngine(
  engine: BatchEngine,
  path: string,
  format: EngineFormat,
  options: ProfileBuilderOptions,
): Promise<{ profile: BaselineProfile; rows: number }> {
  const bins = options.bins ?? DEFAULT_BINS;
  const topK = options.topK ?? DEFAULT_TOP_K;
  let planned: Column[] = [];
  const source = await openSource(engine, path, format, (sniffed) => {
    planned = planColumns(sniffed, options);
    return planned.filter((c) => c.type === 'categorical').map((c) => c.name);
  });
  const byName = new Map(source.columns.map((c) => [c.name, c]));
  const select = planned.map((c) => `${c.type === 'numeric' ? numericExpr(byName.get(c.name)) : categoryExpr(byName.get(c.name))} AS ${c.col}`);
  const rowsSql = await numberedRows(engine, path, format, source, planned, select);
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
      // Compensated sums: the passes run on every core and the threads' parts add up in varying
      // order; fsum keeps that to the last bit or two (CSV and Parquet profiles of one file agree
      // to about 1e-15 relative; the test allows 1e-12). The spread is summed around this mean in pass 2.
      `fsum(${c.col}) AS sum_${c.col}`,
    ]),
    ...categorical.flatMap((c) => [`count(${c.col}) AS n_${c.col}`, `approx_top_k(${c.col}, ${candidatesFor(topK)}) AS k_${c.col}`]),
  ];
  const [stats] = await engine.query(`SELECT ${pass1.join(', ')} FROM ${rowsSql}`);
  const rows = Number(stats!.rows);
  // A systematic sample (every M-th row) for the quantiles: deterministic, rank error ~0.3% at
  // 32k rows where the streaming path's KLL sketch has ~1.7%. One filter on the row number, the
  // columns sorted here: DuckDB's holistic quantile, or one FILTER clause per column, cost more
  // CPU than the passes' parsing.
  const every = Math.max(1, Math.floor(rows / QUANTILE_SAMPLE));
  // Read as typed columns (NULL as NaN, which no profiled value is): converting ~33k × 20 values to
  // row objects and filtering them was ~75 ms on the main thread, with DuckDB idle meanwhile.
  const sampled = numeric.length
    ? await engine.doubles(`SELECT ${numeric.map((c) => c.col).join(', ')} FROM ${rowsSql} WHERE rn % ${every} = 0`)
    : [];
  const edgesOf = new Map<string, number[]>();
  const sketchOf = new Map<string, number[]>();
  for (const [ci, c] of numeric.entries()) {
    const n = Number(stats![`n_${c.col}`]);
    const values = sampled[ci]!;
    let kept = 0;
    for (const v of values) if (v === v) values[kept++] = v;
    const sorted = values.subarray(0, kept).sort();
    const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
    sketchOf.set(c.col, sorted.length ? qs.map(at) : []);
    const raw = n && sorted.length ? edgeQs.map(at) : [];
    if (raw.length) {
      // The sample may miss the extremes: the first edge is the exact min, the last the exact max.
      raw[0] = Number(stats![`min_${c.col}`]);
      raw[raw.length - 1] = Number(stats![`max_${c.col}`]);
    }
    const edges: number[] = [];
    for (const e of raw) if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
    edgesOf.set(c.col, edges);
  }
  const candidates = new Map<string, string[]>();
  for (const c of categorical) candidates.set(c.col, ((stats![`k_${c.col}`] as unknown[] | null) ?? []).filter((v) => v !== null).map(String));

  // Pass 2: exact counts per chunk and bin; DuckDB's histogram(x, boundaries) bins by `x ≤ edge`,
  // the profile's `le` convention. Categorical values map to their candidate's index.
  const wanted = options.chunkRows ?? Math.max(100, Math.ceil(rows / 20));
  const chunkRows = Math.max(1, wanted, Math.ceil(rows / MAX_CHUNKS));
  const nChunks = Math.ceil(rows / chunkRows);
  const hist = (c: Column): string => {
    if (c.type === 'numeric') {
      const edges = edgesOf.get(c.col)!;
      return edges.length ? `histogram(${c.col}, [${edges.join(', ')}]::DOUBLE[]) AS h_${c.col}` : `count(${c.col}) AS h_${c.col}`;
    }
    const cands = candidates.get(c.col)!;
    const index = cands.length ? `CASE ${c.col} ${cands.map((v, i) => `WHEN ${literal(v)} THEN ${i}`).join(' ')} ELSE ${cands.length} END` : `CASE WHEN ${c.col} IS NULL THEN NULL ELSE 0 END`;
    return `histogram(${index}) AS h_${c.col}`;
  };
  const meanOf = new Map(numeric.map((c) => [c.col, Number(stats![`n_${c.col}`]) ? Number(stats![`sum_${c.col}`]) / Number(stats![`n_${c.col}`]) : 0]));
  // (A sum that overflowed to ±Infinity is no SQL literal: the spread is then summed around 0.)
  // d * d, not d ^ 2: the same correctly rounded square, without a pow() call per value (pass 2
  // CPU 0.36 → 0.20 s for these sums on 1M × 20).
  const spread = numeric.map((c) => {
    const d = `(${c.col} - ${Number.isFinite(meanOf.get(c.col)) ? meanOf.get(c.col) : 0})`;
    return `fsum(${d} * ${d}) AS m2_${c.col}`;
  });
  const counted = await engine.query(`SELECT rn // ${chunkRows} AS chunk, count(*) AS n${[...planned.map(hist), ...spread].map((x) => ', ' + x).join('')} FROM ${rowsSql} GROUP BY chunk`);
  // Chunk by chunk in file order: the same sums whatever order DuckDB returns the groups in.
  counted.sort((a, b) => Number(a.chunk) - Number(b.chunk));
  const m2Of = new Map(numeric.map((c) => [c.col, counted.reduce((s, r) => s + Number(r[`m2_${c.col}`] ?? 0), 0)]));
  const perChunk = planned.map(() => Array.from({ length: nChunks }, () => ({ counts: [] as number[], missing: 0 })));
  for (const r of counted) {
    const k = Number(r.chunk);
    const n = Number(r.n);
    planned.forEach((c, ci) => {
      let counts: number[];
      if (c.type === 'numeric') {
        const edges = edgesOf.get(c.col)!;
        counts = edges.length ? binsOf(r[`h_${c.col}`], edges.length + 1, edges) : [Number(r[`h_${c.col}`])];
      } else {
        const size = candidates.get(c.col)!.length + 1;
        counts = new Array<number>(size).fill(0);
        for (const { key, value } of (r[`h_${c.col}`] ?? []) as { key: unknown; value: unknown }[]) counts[Number(key)]! += Number(value);
      }
      perChunk[ci]![k] = { counts, missing: n - counts.reduce((s, v) => s + v, 0) };
    });
  }
  // Categorical tables: the top-K candidates by exact count (count desc, value asc, as the
  // streaming builder orders them); the other candidates fold into __other__.
  const tables = new Map<string, { value: string; order: number[] }>();
  for (const c of categorical) {
    const cands = candidates.get(c.col)!;
    const ci = planned.indexOf(c);
    const totals = new Array<number>(cands.length + 1).fill(0);
    for (const slot of perChunk[ci]!) slot.counts.forEach((v, i) => (totals[i]! += v));
    const order = cands.map((_, i) => i).sort((x, y) => totals[y]! - totals[x]! || (cands[x]! < cands[y]! ? -1 : 1)).slice(0, topK);
    const fold = (counts: number[]) => {
      const kept = order.map((i) => counts[i] ?? 0);
      const other = counts.reduce((s, v) => s + v, 0) - kept.reduce((s, v) => s + v, 0);
      return [...kept, other];
    };
    for (const slot of perChunk[ci]!) slot.counts = fold(slot.counts.length ? slot.counts : new Array<number>(cands.length + 1).fill(0));
    tables.set(c.col, { value: '', order });
  }
  const sizes = (c: Column) => (c.type === 'numeric' ? Math.max(1, edgesOf.get(c.col)!.length + 1) : tables.get(c.col)!.order.length + 1);

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
    const n = Number(stats![`n_${c.col}`]);
    if (c.type === 'numeric') {
      const edges = edgesOf.get(c.col)!;
      const min = n ? Number(stats![`min_${c.col}`]) : 0;
      const max = n ? Number(stats![`max_${c.col}`]) : 0;
      p = {
        name: c.name,
        type: 'numeric',
        count: n,
        missing,
        min,
        max,
        mean: n ? meanOf.get(c.col)! : 0,
        std: n ? Math.sqrt(m2Of.get(c.col)! / n) : 0,
        bins: { edges, counts: edges.length ? totals : [0] },
        sketch: sketchFrom(n ? sketchOf.get(c.col)! : [], n, min, max),
      };
    } else {
      const cands = candidates.get(c.col)!;
      const { order } = tables.get(c.col)!;
      p = {
        name: c.name,
        type: 'categorical',
        count: n,
        missing,
        categories: order.map((i, k) => ({ value: cands[i]!, count: totals[k]! })),
        otherCount: totals[order.length]!,
      };
    }
    const o = outputsByName.get(c.name);
    if (o) outputs.push({ ...p, output: o.output ?? o.name, role: o.role });
    else features.push(p);
  });
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

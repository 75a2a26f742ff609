/**
 * Streaming profiler. Two passes over the data, because chunk counts for threshold calibration
 * need the final bin edges, and those are only known once every value has been seen:
 *   pass 1 `add()`…  moments, KLL sketch, category counts (bounded memory);
 *   `startBinning()` fixes edges (equal-frequency from the sketch) and category tables;
 *   pass 2 `add()`…  exact counts per bin, in total and per chunk of `chunkRows` rows;
 *   `finish()`       the profile.
 * Calling `finish()` straight after pass 1 gives a one-pass profile: bin counts estimated from
 * the sketch (rank error of the sketch) and no chunks (drift thresholds then use fixed defaults).
 */
import { BASELINE_SCHEMA, type BaselineProfile, type ChunkProfile, type FeatureType, type OutputProfile } from './profile.js';
import { CategoricalAccumulator, NumericAccumulator, type ColumnAccumulator } from './accumulators.js';
import { KLL_DEFAULT_K } from './sketch.js';
import { inferColumnTypes, INFER_SAMPLE_ROWS, type ColumnSpec } from '../io/infer.js';

export interface OutputSpec {
  /** Column holding the output in the data. */
  name: string;
  role: 'prediction' | 'confidence';
  /** Model output this column profiles (the sidecar's `output` label). Default: the column name.
   *  A classifier's prediction and confidence columns share one output name. */
  output?: string;
  /** Default: prediction categorical, confidence numeric. */
  type?: FeatureType;
}

export interface ProfileBuilderOptions {
  model: string;
  /** Feature columns; omitted: every column except outputs and `exclude`, types inferred from the first rows. */
  features?: ColumnSpec[];
  /** Type overrides applied to inferred columns. */
  types?: Record<string, FeatureType>;
  exclude?: string[];
  /** Only these columns become features (types still inferred unless in `types`). */
  include?: string[];
  outputs?: OutputSpec[];
  /** Equal-frequency bins between min and max (the two open outer bins come on top). Default 20. */
  bins?: number;
  /** Categories kept per categorical feature; the rest is `__other__`. Default 50. */
  topK?: number;
  /** Rows per calibration chunk. Default: rows / 20 (at least 100); never more than 200 chunks. */
  chunkRows?: number;
  sketchK?: number;
  /** Distinct values tracked per categorical column before the rarest half is evicted. Default 10,000. */
  maxDistinct?: number;
  metadata?: Record<string, string>;
}

export const DEFAULT_BINS = 20;
export const DEFAULT_TOP_K = 50;
const MAX_CHUNKS = 200;

type Phase = 'scan' | 'bin' | 'done';

export class ProfileBuilder {
  private phase: Phase = 'scan';
  private columns: ColumnAccumulator[] | undefined;
  private outputNames = new Map<string, OutputSpec>();
  private pending: Record<string, unknown>[] = [];
  private rows = 0;
  // Pass 2 state.
  private binnedRows = 0;
  private chunkRows = 0;
  private totals: number[][] = [];
  private chunkCounts: number[][] = [];
  private chunkMissing: number[] = [];
  private chunkFill = 0;
  private chunks: ChunkProfile[] = [];

  constructor(private readonly options: ProfileBuilderOptions) {
    if (!options.model) throw new Error('ProfileBuilder: `model` is required');
    const bins = options.bins ?? DEFAULT_BINS;
    if (!Number.isInteger(bins) || bins < 1 || bins > 1000) throw new Error(`ProfileBuilder: bins must be an integer in 1..1000, got ${bins}`);
    for (const o of options.outputs ?? []) this.outputNames.set(o.name, o);
    if (options.features) this.columns = this.createColumns(options.features);
  }

  get rowCount(): number {
    return this.phase === 'scan' ? this.rows : this.binnedRows;
  }

  add(row: Record<string, unknown>): void {
    if (this.phase === 'scan') {
      if (!this.columns) {
        this.pending.push(row);
        if (this.pending.length >= INFER_SAMPLE_ROWS) this.resolveColumns();
        return;
      }
      this.rows++;
      for (const c of this.columns) c.scan(row[c.name]);
      return;
    }
    if (this.phase === 'done') throw new Error('ProfileBuilder: finish() was already called');
    const cols = this.columns!;
    for (let i = 0; i < cols.length; i++) this.count(i, cols[i]!.binOf(row[cols[i]!.name]));
    this.endRow();
  }

  /** Columnar add: `columns[name][i]` is row i's value. Faster than rows for Parquet-like sources. */
  addColumns(columns: Record<string, ArrayLike<unknown>>, length: number): void {
    if (this.phase === 'scan' && !this.columns) {
      for (let i = 0; i < length; i++) this.add(Object.fromEntries(Object.keys(columns).map((k) => [k, columns[k]![i]])));
      return;
    }
    const cols = this.columns!;
    if (this.phase === 'scan') {
      for (const c of cols) {
        const values = columns[c.name];
        if (values) for (let i = 0; i < length; i++) c.scan(values[i]);
        else for (let i = 0; i < length; i++) c.scan(undefined);
      }
      this.rows += length;
      return;
    }
    if (this.phase === 'done') throw new Error('ProfileBuilder: finish() was already called');
    let start = 0;
    while (start < length) {
      const end = Math.min(length, start + (this.chunkRows - this.chunkFill));
      for (let ci = 0; ci < cols.length; ci++) {
        const c = cols[ci]!;
        const values = columns[c.name];
        for (let i = start; i < end; i++) this.count(ci, c.binOf(values ? values[i] : undefined));
      }
      this.binnedRows += end - start;
      this.chunkFill += end - start;
      if (this.chunkFill === this.chunkRows) this.closeChunk();
      start = end;
    }
  }

  /** Ends pass 1: fixes edges and category tables. Feed the same rows again, then call finish(). */
  startBinning(): void {
    if (this.phase !== 'scan') throw new Error('ProfileBuilder: startBinning() called twice');
    this.resolveColumns();
    const cols = this.columns!;
    const bins = this.options.bins ?? DEFAULT_BINS;
    const topK = this.options.topK ?? DEFAULT_TOP_K;
    this.totals = cols.map((c) => new Array<number>(c.freeze(bins, topK)).fill(0));
    this.chunkCounts = this.totals.map((t) => new Array<number>(t.length).fill(0));
    this.chunkMissing = cols.map(() => 0);
    const wanted = this.options.chunkRows ?? Math.max(100, Math.ceil(this.rows / 20));
    this.chunkRows = Math.max(1, wanted, Math.ceil(this.rows / MAX_CHUNKS));
    this.phase = 'bin';
  }

  finish(): BaselineProfile {
    if (this.phase === 'done') throw new Error('ProfileBuilder: finish() called twice');
    let twoPass = true;
    if (this.phase === 'scan') {
      this.resolveColumns();
      const cols = this.columns!;
      for (const c of cols) c.freeze(this.options.bins ?? DEFAULT_BINS, this.options.topK ?? DEFAULT_TOP_K);
      twoPass = false;
    } else {
      if (this.binnedRows !== this.rows) {
        throw new Error(`ProfileBuilder: pass 2 saw ${this.binnedRows} rows but pass 1 saw ${this.rows}; feed the same data twice`);
      }
      // A last chunk under half the size would calibrate on noise: its rows count in totals only.
      if (this.chunkFill >= this.chunkRows / 2) this.closeChunk();
    }
    this.phase = 'done';
    const cols = this.columns!;
    const features = [];
    const outputs: OutputProfile[] = [];
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      const p = c.profile(twoPass ? this.totals[i] : undefined);
      const out = this.outputNames.get(c.name);
      if (out) outputs.push({ ...p, output: out.output ?? out.name, role: out.role });
      else features.push(p);
    }
    return {
      schema: BASELINE_SCHEMA,
      model: this.options.model,
      createdAt: new Date().toISOString(),
      rows: this.rows,
      features,
      outputs,
      chunks: this.chunks,
      metadata: { ...this.options.metadata, binning: twoPass ? 'exact' : 'sketch', chunkRows: String(this.chunkRows) },
    };
  }

  private count(col: number, bin: number): void {
    if (bin < 0) this.chunkMissing[col]!++;
    else {
      this.totals[col]![bin]!++;
      this.chunkCounts[col]![bin]!++;
    }
  }

  private endRow(): void {
    this.binnedRows++;
    if (++this.chunkFill === this.chunkRows) this.closeChunk();
  }

  private closeChunk(): void {
    if (this.chunkFill === 0) return;
    const cols = this.columns!;
    const counts: Record<string, number[]> = {};
    const missing: Record<string, number> = {};
    cols.forEach((c, i) => {
      counts[c.name] = this.chunkCounts[i]!.slice();
      missing[c.name] = this.chunkMissing[i]!;
      this.chunkCounts[i]!.fill(0);
      this.chunkMissing[i] = 0;
    });
    this.chunks.push({ rows: this.chunkFill, counts, missing });
    this.chunkFill = 0;
  }

  private resolveColumns(): void {
    if (this.columns) return;
    const exclude = new Set(this.options.exclude ?? []);
    const include = this.options.include ? new Set([...this.options.include, ...this.outputNames.keys()]) : undefined;
    const inferred = inferColumnTypes(this.pending, this.options.types).filter((c) => !exclude.has(c.name) && (!include || include.has(c.name)));
    for (const o of this.outputNames.values()) {
      const col = inferred.find((c) => c.name === o.name);
      if (col && o.type) col.type = o.type;
    }
    this.columns = this.createColumns(inferred);
    const pending = this.pending;
    this.pending = [];
    for (const row of pending) this.add(row);
  }

  private createColumns(specs: ColumnSpec[]): ColumnAccumulator[] {
    const k = this.options.sketchK ?? KLL_DEFAULT_K;
    const maxDistinct = this.options.maxDistinct ?? 10_000;
    const all = [...specs];
    for (const o of this.outputNames.values()) {
      if (!all.some((s) => s.name === o.name)) all.push({ name: o.name, type: o.type ?? (o.role === 'confidence' ? 'numeric' : 'categorical') });
    }
    return all.map((s) => (s.type === 'numeric' ? new NumericAccumulator(s.name, k) : new CategoricalAccumulator(s.name, maxDistinct)));
  }
}

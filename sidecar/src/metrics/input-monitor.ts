import {
  FEATURE_COUNTERS,
  InvalidValueKind,
  Label,
  OTHER_CATEGORY,
  RangeSide,
  SidecarInput,
  type BaselineProfile,
  type FeatureCounter,
  type FeatureType,
} from '@modelwatch/core';
import type { Column, InputBatch, InputMatrix } from '../protocols/types.js';
import { escapeLabelValue, formatValue, header } from './exposition.js';
import { DEFAULT_VALUE_BUCKETS, HistogramSeries } from './histogram-series.js';

interface NumericState {
  type: 'numeric';
  name: string;
  labels: string;
  hist: HistogramSeries;
  /** Baseline training range; ±Infinity without a baseline (never out of range). */
  min: number;
  max: number;
  /** missing, nan, inf */
  invalid: Float64Array;
  /** below, above */
  outOfRange: Float64Array;
  /** True for features the config/baseline/model declared: absent columns count as missing. */
  declared: boolean;
  /** Batches that carried this feature (undeclared features compete for slots on it). */
  hits: number;
}

interface CategoricalState {
  type: 'categorical';
  name: string;
  labels: string;
  index: Map<string, number>;
  /** Category names in table order, `__other__` last. */
  names: string[];
  counts: Float64Array;
  invalid: Float64Array;
  declared: boolean;
  hits: number;
}

type FeatureState = NumericState | CategoricalState;

/** A matrix layout resolved against the feature table of `version`. */
interface MatrixLayout {
  version: number;
  /** The state of each column, in column order. */
  states: NumericState[];
  /** Declared features the layout does not carry: missing, one per row. */
  missing: FeatureState[];
}

export interface FeatureDeclaration {
  name: string;
  type?: FeatureType;
}

/** Names waiting for a monitored slot, counted in a bounded table (whatever is sent). */
const PENDING_FACTOR = 2;
/** Unknown names contested per batch: bounds the work a batch full of junk names can cause. */
const CONTESTS_PER_BATCH = 8;

/**
 * Input distributions per feature, bounded: features declared (config, baseline, model metadata)
 * always have a slot; the remaining slots up to `maxFeatures` go to undeclared names seen in
 * requests, by how many batches carried them. Without a baseline, junk names sent first used to
 * keep every slot for good (issue 12, item 5); now a name seen in more batches than the weakest
 * undeclared feature takes its slot (that feature's series go away), so real features, present in
 * every request, win their slots back. Names that get no slot are counted as ignored.
 * Rendered straight to exposition text.
 *
 * `counters` is the series budget's choice of per-feature counters besides the bin buckets
 * (core/src/contract/series-budget.ts): every replica's series multiply across a fleet, and a
 * counter left out is still counted here, only not exposed.
 */
export class InputMonitor {
  private features = new Map<string, FeatureState>();
  private declaredList: FeatureState[] = [];
  /** Unknown name → batches that carried it while it waited. */
  private readonly pending = new Map<string, number>();
  private contests = 0;
  ignored = 0;
  /** Bumped whenever the feature table changes: the matrix layouts resolved before no longer apply. */
  private version = 0;
  /** Matrix layouts (names arrays, by identity) resolved to their states, valid for the table of their `version`. */
  private readonly layouts = new WeakMap<readonly string[], MatrixLayout>();
  private readonly sumCount: boolean;
  private readonly invalidSeries: boolean;
  private readonly rangeSeries: boolean;

  constructor(
    private readonly identity: string,
    private readonly maxFeatures: number,
    counters: readonly FeatureCounter[] = FEATURE_COUNTERS,
  ) {
    this.sumCount = counters.includes('sum_count');
    this.invalidSeries = counters.includes('invalid');
    this.rangeSeries = counters.includes('out_of_range');
  }

  /** (Re)builds the feature table; called at startup and when a baseline arrives. Resets counts. */
  configure(declared: readonly FeatureDeclaration[], baseline: BaselineProfile | undefined): void {
    const next = new Map<string, FeatureState>();
    for (const f of baseline?.features ?? []) {
      if (next.size >= this.maxFeatures) break;
      if (f.type === 'numeric') {
        next.set(f.name, this.numeric(f.name, f.bins.edges, f.min, f.max, true));
      } else {
        next.set(f.name, this.categorical(f.name, f.categories.map((c) => c.value), true));
      }
    }
    for (const d of declared) {
      if (next.size >= this.maxFeatures || next.has(d.name)) continue;
      next.set(d.name, d.type === 'categorical' ? this.categorical(d.name, [], true) : this.numeric(d.name, DEFAULT_VALUE_BUCKETS, -Infinity, Infinity, true));
    }
    this.features = next;
    this.declaredList = [...next.values()];
    this.pending.clear();
    this.version++;
  }

  private labelsFor(name: string): string {
    return `${this.identity},${Label.feature}="${escapeLabelValue(name)}"`;
  }

  private numeric(name: string, edges: readonly number[], min: number, max: number, declared: boolean): NumericState {
    return {
      type: 'numeric', name, labels: this.labelsFor(name), hist: new HistogramSeries(edges), min, max,
      invalid: new Float64Array(3), outOfRange: new Float64Array(2), declared, hits: 0,
    };
  }

  private categorical(name: string, table: readonly string[], declared: boolean): CategoricalState {
    const names = [...table.filter((c) => c !== OTHER_CATEGORY), OTHER_CATEGORY];
    return {
      type: 'categorical', name, labels: this.labelsFor(name), index: new Map(names.map((c, i) => [c, i])),
      names, counts: new Float64Array(names.length), invalid: new Float64Array(3), declared, hits: 0,
    };
  }

  /** Admits a feature seen for the first time if there is room (or it out-counts the weakest undeclared one). */
  private admit(name: string, column: Column): FeatureState | undefined {
    if (this.features.size >= this.maxFeatures) return this.contest(name, column);
    return this.create(name, column, 0);
  }

  private contest(name: string, column: Column): FeatureState | undefined {
    if (this.maxFeatures === 0 || this.contests >= CONTESTS_PER_BATCH) return undefined;
    this.contests++;
    const count = (this.pending.get(name) ?? 0) + 1;
    if (count === 1 && this.pending.size >= this.maxFeatures * PENDING_FACTOR) {
      // Full: forget the least seen name. The newcomer starts from 1 (no inherited count, unlike
      // Space-Saving), so a stream of names each sent once never out-counts a monitored feature
      // and never churns series in and out.
      let minName = '';
      let min = Infinity;
      for (const [n, c] of this.pending) if (c < min) [minName, min] = [n, c];
      this.pending.delete(minName);
    }
    let weakest: FeatureState | undefined;
    for (const s of this.features.values()) if (!s.declared && (weakest === undefined || s.hits < weakest.hits)) weakest = s;
    if (weakest === undefined || count <= weakest.hits) {
      this.pending.set(name, count);
      return undefined;
    }
    this.pending.delete(name);
    this.features.delete(weakest.name);
    this.version++;
    return this.create(name, column, count - 1);
  }

  private create(name: string, column: Column, hits: number): FeatureState {
    let numeric = !Array.isArray(column);
    if (!numeric) {
      const first = (column as readonly unknown[]).find((v) => v !== null && v !== undefined);
      numeric = first === undefined || typeof first === 'number';
    }
    const state = numeric
      ? this.numeric(name, DEFAULT_VALUE_BUCKETS, -Infinity, Infinity, false)
      : this.categorical(name, [], false);
    state.hits = hits;
    this.features.set(name, state);
    this.version++;
    return state;
  }

  observe(batch: InputBatch): void {
    this.contests = 0;
    if (batch.matrix !== undefined && this.observeMatrix(batch.rows, batch.matrix)) return;
    for (const [name, column] of batch.columns) {
      const state = this.features.get(name) ?? this.admit(name, column);
      if (state === undefined) {
        this.ignored++;
        continue;
      }
      state.hits++;
      if (state.type === 'numeric') observeNumeric(state, column);
      else observeCategorical(state, column);
    }
    // Declared features the request did not carry at all are missing values, one per row.
    if (this.declaredList.length > 0) {
      for (const state of this.declaredList) {
        if (!batch.columns.has(state.name)) state.invalid[0] += batch.rows;
      }
    }
  }

  /**
   * A numeric [rows, cols] tensor read in place: the same counts as its columns would give, without
   * a lookup per feature name or a column array per feature. Only when every column has a numeric
   * slot already (the steady state); anything else (a name without a slot, which may contest one;
   * a categorical feature) goes the general way, false.
   */
  private observeMatrix(rows: number, m: InputMatrix): boolean {
    let layout = this.layouts.get(m.names);
    if (layout === undefined || layout.version !== this.version) {
      layout = this.resolve(m.names);
      if (layout === undefined) return false;
    }
    const { data, cols } = m;
    const states = layout.states;
    for (let j = 0; j < cols; j++) {
      const state = states[j];
      state.hits++;
      for (let i = j; i < rows * cols; i += cols) observeNumber(state, data[i]);
    }
    const missing = layout.missing;
    for (let k = 0; k < missing.length; k++) missing[k].invalid[0] += rows;
    return true;
  }

  /** The states of a layout whose every name has a numeric slot; undefined otherwise (nothing kept). */
  private resolve(names: readonly string[]): MatrixLayout | undefined {
    const states: NumericState[] = [];
    for (const name of names) {
      const state = this.features.get(name);
      if (state === undefined || state.type !== 'numeric') return undefined;
      states.push(state);
    }
    const carried = new Set(names);
    const layout: MatrixLayout = { version: this.version, states, missing: this.declaredList.filter((s) => !carried.has(s.name)) };
    this.layouts.set(names, layout);
    return layout;
  }

  get monitoredCount(): number {
    return this.features.size;
  }

  render(out: string[]): void {
    const states = [...this.features.values()];
    const value = SidecarInput.featureValue.name;
    out.push(header(value, 'histogram', SidecarInput.featureValue.help));
    for (const s of states) if (s.type === 'numeric') s.hist.render(value, s.labels, out, this.sumCount);

    if (this.invalidSeries) {
      const invalid = SidecarInput.invalidValues.name;
      out.push(header(invalid, 'counter', SidecarInput.invalidValues.help));
      const kinds = [InvalidValueKind.missing, InvalidValueKind.nan, InvalidValueKind.inf];
      for (const s of states) {
        for (let k = 0; k < 3; k++) out.push(`${invalid}{${s.labels},${Label.kind}="${kinds[k]}"} ${s.invalid[k]}\n`);
      }
    }

    if (this.rangeSeries) {
      const range = SidecarInput.outOfRange.name;
      out.push(header(range, 'counter', SidecarInput.outOfRange.help));
      for (const s of states) {
        if (s.type !== 'numeric') continue;
        out.push(`${range}{${s.labels},${Label.side}="${RangeSide.below}"} ${s.outOfRange[0]}\n`);
        out.push(`${range}{${s.labels},${Label.side}="${RangeSide.above}"} ${s.outOfRange[1]}\n`);
      }
    }

    const cat = SidecarInput.categories.name;
    out.push(header(cat, 'counter', SidecarInput.categories.help));
    for (const s of states) {
      if (s.type !== 'categorical') continue;
      for (let i = 0; i < s.names.length; i++) {
        out.push(`${cat}{${s.labels},${Label.category}="${escapeLabelValue(s.names[i])}"} ${formatValue(s.counts[i])}\n`);
      }
    }
  }
}

function observeNumber(state: NumericState, v: number): void {
  if (v !== v) {
    state.invalid[1]++;
  } else if (v === Infinity || v === -Infinity) {
    state.invalid[2]++;
  } else {
    state.hist.observe(v);
    if (v < state.min) state.outOfRange[0]++;
    else if (v > state.max) state.outOfRange[1]++;
  }
}

function observeNumeric(state: NumericState, column: Column): void {
  if (!Array.isArray(column)) {
    const typed = column as Float32Array | Float64Array | Int32Array;
    for (let i = 0; i < typed.length; i++) observeNumber(state, typed[i]);
    return;
  }
  for (const cell of column as readonly unknown[]) {
    if (typeof cell === 'number') observeNumber(state, cell);
    else if (cell === null || cell === undefined || cell === '') state.invalid[0]++;
    else if (typeof cell === 'boolean') observeNumber(state, cell ? 1 : 0);
    else {
      // Strings in a numeric feature: "NaN"/"Infinity" spellings, or a number sent as text.
      const n = Number(cell);
      if (Number.isNaN(n) && cell !== 'NaN') state.invalid[0]++;
      else observeNumber(state, n);
    }
  }
}

function observeCategorical(state: CategoricalState, column: Column): void {
  const other = state.names.length - 1;
  const len = column.length;
  for (let i = 0; i < len; i++) {
    const cell = column[i];
    if (cell === null || cell === undefined || cell === '') {
      state.invalid[0]++;
      continue;
    }
    const idx = state.index.get(typeof cell === 'string' ? cell : String(cell));
    state.counts[idx ?? other]++;
  }
}

import { Label, OTHER_CATEGORY, SidecarOutput, type BaselineProfile } from '@modelwatch/core';
import type { OutputBatch, OutputColumn } from '../protocols/types.js';
import { escapeLabelValue, header } from './exposition.js';
import { DEFAULT_CONFIDENCE_BUCKETS, DEFAULT_VALUE_BUCKETS, HistogramSeries } from './histogram-series.js';

/** Outputs and classes are bounded like features: unknown ones beyond these go to `__other__`/ignored. */
const MAX_OUTPUTS = 16;
const MAX_DYNAMIC_CLASSES = 64;

interface OutputState {
  labels: string;
  predictions: number;
  lowConfidence: number;
  empty: number;
  /** Class table: fixed (metadata/baseline) or grown up to MAX_DYNAMIC_CLASSES, `__other__` kept last on render. */
  classIndex: Map<string, number>;
  classNames: string[];
  classCounts: number[];
  classesFixed: boolean;
  other: number;
  prediction: HistogramSeries;
  confidence: HistogramSeries;
}

export interface OutputDeclarations {
  /** Class labels of probability outputs (ONNX metadata `class_labels`), by index. */
  classLabels?: readonly string[];
}

/** Output distributions: class counts, confidence, regression values, low-confidence and empty outputs. */
export class OutputMonitor {
  private outputs = new Map<string, OutputState>();
  private classLabels: readonly string[] | undefined;
  private baseline: BaselineProfile | undefined;
  ignored = 0;

  constructor(
    private readonly identity: string,
    private readonly lowConfidenceThreshold: number,
  ) {}

  configure(decl: OutputDeclarations, baseline: BaselineProfile | undefined): void {
    this.classLabels = decl.classLabels;
    this.baseline = baseline;
    this.outputs = new Map();
    for (const o of baseline?.outputs ?? []) this.stateFor(o.output);
  }

  private stateFor(name: string): OutputState | undefined {
    const existing = this.outputs.get(name);
    if (existing) return existing;
    if (this.outputs.size >= MAX_OUTPUTS) return undefined;
    const profiles = this.baseline?.outputs.filter((o) => o.output === name) ?? [];
    const pred = profiles.find((p) => p.role === 'prediction');
    const conf = profiles.find((p) => p.role === 'confidence');
    const table = pred?.type === 'categorical' ? pred.categories.map((c) => c.value) : this.classLabels ? [...this.classLabels] : [];
    const state: OutputState = {
      labels: `${this.identity},${Label.output}="${escapeLabelValue(name)}"`,
      predictions: 0, lowConfidence: 0, empty: 0,
      classIndex: new Map(table.map((c, i) => [c, i])), classNames: table, classCounts: table.map(() => 0),
      classesFixed: table.length > 0, other: 0,
      prediction: new HistogramSeries(pred?.type === 'numeric' ? pred.bins.edges : DEFAULT_VALUE_BUCKETS),
      confidence: new HistogramSeries(conf?.type === 'numeric' ? conf.bins.edges : DEFAULT_CONFIDENCE_BUCKETS),
    };
    this.outputs.set(name, state);
    return state;
  }

  private countClass(state: OutputState, label: string): void {
    let idx = state.classIndex.get(label);
    if (idx === undefined && !state.classesFixed && state.classNames.length < MAX_DYNAMIC_CLASSES) {
      idx = state.classNames.length;
      state.classIndex.set(label, idx);
      state.classNames.push(label);
      state.classCounts.push(0);
    }
    if (idx === undefined) state.other++;
    else state.classCounts[idx]++;
  }

  observe(batch: OutputBatch): void {
    for (const [name, column] of batch.outputs) {
      const state = this.stateFor(name);
      if (state === undefined) {
        this.ignored++;
        continue;
      }
      this.observeColumn(state, column);
    }
  }

  /** The model answered without this output (or with nothing): one empty output per row. */
  observeMissing(name: string, rows: number): void {
    const state = this.stateFor(name);
    if (state) state.empty += Math.max(rows, 1);
  }

  private observeColumn(state: OutputState, column: OutputColumn): void {
    if (column.kind === 'probabilities') {
      const { rows, classes, data } = column;
      if (rows === 0 || classes === 0) {
        state.empty++;
        return;
      }
      for (let r = 0; r < rows; r++) {
        let best = 0;
        let bestP = -Infinity;
        const base = r * classes;
        for (let c = 0; c < classes; c++) {
          const p = data[base + c];
          if (p > bestP) {
            bestP = p;
            best = c;
          }
        }
        if (!Number.isFinite(bestP)) {
          state.empty++;
          continue;
        }
        state.predictions++;
        this.countClass(state, this.classLabels?.[best] ?? String(best));
        state.confidence.observe(bestP);
        if (bestP < this.lowConfidenceThreshold) state.lowConfidence++;
      }
      return;
    }
    const values = column.values;
    if (values.length === 0) state.empty++;
    for (const v of values) {
      if (v === null || v === '' || (typeof v === 'number' && !Number.isFinite(v))) {
        state.empty++;
      } else if (typeof v === 'number') {
        state.predictions++;
        state.prediction.observe(v);
      } else {
        state.predictions++;
        this.countClass(state, String(v));
      }
    }
  }

  render(out: string[]): void {
    const states = [...this.outputs.values()];
    const counter = (m: { name: string; help: string }, pick: (s: OutputState) => number) => {
      out.push(header(m.name, 'counter', m.help));
      for (const s of states) out.push(`${m.name}{${s.labels}} ${pick(s)}\n`);
    };
    counter(SidecarOutput.predictions, (s) => s.predictions);
    counter(SidecarOutput.lowConfidence, (s) => s.lowConfidence);
    counter(SidecarOutput.empty, (s) => s.empty);
    const cls = SidecarOutput.classes.name;
    out.push(header(cls, 'counter', SidecarOutput.classes.help));
    for (const s of states) {
      if (s.classNames.length === 0 && s.other === 0) continue;
      for (let i = 0; i < s.classNames.length; i++) {
        out.push(`${cls}{${s.labels},${Label.class}="${escapeLabelValue(s.classNames[i])}"} ${s.classCounts[i]}\n`);
      }
      out.push(`${cls}{${s.labels},${Label.class}="${OTHER_CATEGORY}"} ${s.other}\n`);
    }
    const conf = SidecarOutput.confidence;
    out.push(header(conf.name, 'histogram', conf.help));
    for (const s of states) if (s.confidence.count > 0 || s.classesFixed) s.confidence.render(conf.name, s.labels, out);
    const pv = SidecarOutput.predictionValue;
    out.push(header(pv.name, 'histogram', pv.help));
    for (const s of states) if (s.prediction.count > 0) s.prediction.render(pv.name, s.labels, out);
  }
}

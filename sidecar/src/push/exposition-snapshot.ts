import {
  InvalidValueKind,
  Label,
  OTHER_CATEGORY,
  SidecarInput,
  SidecarOutput,
  type BaselineProfile,
  type FeatureProfile,
  type WindowFeatureCounts,
} from '@modelwatch/core';
import type { CountsSnapshot, OutputCounts } from './snapshot.js';

/**
 * Builds the pusher's snapshot from the sidecar's own `/metrics` text, through the metric
 * contract's names only: the same numbers Prometheus would scrape, so a pushed window and a
 * scraped one mean the same thing. Runs once per push interval, never on the request path.
 * Series of every variant are summed, like `sum by (model)` in PromQL.
 */
interface Series {
  labels: Map<string, string>;
  value: number;
}

const WANTED = new Set([
  `${SidecarInput.featureValue.name}_bucket`,
  SidecarInput.invalidValues.name,
  SidecarInput.categories.name,
  SidecarInput.rows.name,
  SidecarOutput.classes.name,
  `${SidecarOutput.predictionValue.name}_bucket`,
  `${SidecarOutput.confidence.name}_bucket`,
  SidecarOutput.empty.name,
]);

function parseLabels(s: string): Map<string, string> {
  const labels = new Map<string, string>();
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) break;
    const key = s.slice(i, eq).trim();
    let j = eq + 2; // skip ="
    let value = '';
    while (j < s.length && s[j] !== '"') {
      if (s[j] === '\\' && j + 1 < s.length) {
        const n = s[j + 1];
        value += n === 'n' ? '\n' : n;
        j += 2;
      } else value += s[j++];
    }
    labels.set(key, value);
    i = s.indexOf(',', j) < 0 ? s.length : s.indexOf(',', j) + 1;
  }
  return labels;
}

/** Parses the series of the contract metrics the snapshot needs, by name. */
export function parseExposition(text: string): Map<string, Series[]> {
  const out = new Map<string, Series[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line[0] === '#') continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const name = brace >= 0 ? line.slice(0, brace) : line.slice(0, line.indexOf(' '));
    if (!WANTED.has(name)) continue;
    const labels = brace >= 0 ? parseLabels(line.slice(brace + 1, line.lastIndexOf('}'))) : new Map<string, string>();
    const raw = line.slice(space + 1);
    const value = raw === '+Inf' ? Infinity : Number(raw);
    if (Number.isNaN(value)) continue;
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    list.push({ labels, value });
  }
  return out;
}

class Index {
  constructor(private readonly series: Map<string, Series[]>) {}

  /** Sum of the metric's series whose labels match every given pair. */
  sum(name: string, match: Record<string, string>): number {
    let s = 0;
    for (const x of this.series.get(name) ?? []) {
      let ok = true;
      for (const k in match) if (x.labels.get(k) !== match[k]) { ok = false; break; }
      if (ok) s += x.value;
    }
    return s;
  }

  /** Cumulative histogram counts of matching series by `le` value, summed. */
  cumulative(name: string, match: Record<string, string>): Map<number, number> {
    const byLe = new Map<number, number>();
    for (const x of this.series.get(name) ?? []) {
      let ok = true;
      for (const k in match) if (x.labels.get(k) !== match[k]) { ok = false; break; }
      if (!ok) continue;
      const le = x.labels.get('le');
      if (le === undefined) continue;
      const v = le === '+Inf' ? Infinity : Number(le);
      byLe.set(v, (byLe.get(v) ?? 0) + x.value);
    }
    return byLe;
  }

  labelValue(name: string, key: string): string | undefined {
    return this.series.get(name)?.[0]?.labels.get(key);
  }
}

/**
 * Per-bin counts over the baseline edges from cumulative `le` buckets: bin i is
 * cum(edges[i]) − cum(edges[i−1]); a bound the histogram does not have (duplicate edges) gives 0.
 * Undefined when the histogram's buckets are not the baseline's (e.g. default buckets).
 */
function binCounts(cum: Map<number, number>, edges: readonly number[]): number[] | undefined {
  const total = cum.get(Infinity);
  if (total === undefined) return undefined;
  const counts: number[] = [];
  let prev = 0;
  for (let i = 0; i <= edges.length; i++) {
    let c: number | undefined;
    if (i === edges.length) c = total;
    else c = cum.get(edges[i]) ?? (i > 0 && edges[i - 1] === edges[i] ? prev : undefined);
    if (c === undefined) return undefined;
    counts.push(Math.max(0, c - prev));
    prev = c;
  }
  return counts;
}

function featureCounts(idx: Index, f: FeatureProfile): WindowFeatureCounts | undefined {
  const match = { [Label.feature]: f.name };
  const missing = [InvalidValueKind.missing, InvalidValueKind.nan, InvalidValueKind.inf]
    .reduce((s, kind) => s + idx.sum(SidecarInput.invalidValues.name, { ...match, [Label.kind]: kind }), 0);
  if (f.type === 'numeric') {
    const counts = binCounts(idx.cumulative(`${SidecarInput.featureValue.name}_bucket`, match), f.bins.edges);
    return counts && { name: f.name, type: 'numeric', counts, missing };
  }
  const table = [...f.categories.map((c) => c.value), OTHER_CATEGORY];
  const counts = table.map((category) => idx.sum(SidecarInput.categories.name, { ...match, [Label.category]: category }));
  return { name: f.name, type: 'categorical', counts, missing };
}

function outputCounts(idx: Index, o: BaselineProfile['outputs'][number]): OutputCounts | undefined {
  const match = { [Label.output]: o.output };
  const missing = o.role === 'prediction' ? idx.sum(SidecarOutput.empty.name, match) : 0;
  if (o.type === 'categorical') {
    const table = [...o.categories.map((c) => c.value), OTHER_CATEGORY];
    const counts = table.map((cls) => idx.sum(SidecarOutput.classes.name, { ...match, [Label.class]: cls }));
    return { name: o.name, output: o.output, role: o.role, type: 'categorical', counts, missing };
  }
  const metric = o.role === 'confidence' ? SidecarOutput.confidence : SidecarOutput.predictionValue;
  const counts = binCounts(idx.cumulative(`${metric.name}_bucket`, match), o.bins.edges);
  return counts && { name: o.name, output: o.output, role: o.role, type: 'numeric', counts, missing };
}

/**
 * The snapshot for the edge pusher. `processEpoch` identifies this process's counters (e.g. its
 * start time); the baseline version is appended because the sidecar restarts its counts when a
 * new baseline (new bins) is loaded. Features and outputs are those of the baseline, in its
 * bin and category order — the collector compares windows with that baseline.
 */
export function snapshotFromExposition(text: string, baseline: BaselineProfile | undefined, processEpoch: string): CountsSnapshot {
  const idx = new Index(parseExposition(text));
  const features: WindowFeatureCounts[] = [];
  const outputs: OutputCounts[] = [];
  for (const f of baseline?.features ?? []) {
    const c = featureCounts(idx, f);
    if (c) features.push(c);
  }
  for (const o of baseline?.outputs ?? []) {
    const c = outputCounts(idx, o);
    if (c) outputs.push(c);
  }
  const modelVersion = idx.labelValue(SidecarInput.rows.name, Label.modelVersion);
  return {
    epoch: `${processEpoch}:${baseline?.version ?? 'no-baseline'}`,
    ...(modelVersion !== undefined ? { modelVersion } : {}),
    ...(baseline?.version !== undefined ? { baselineVersion: baseline.version } : {}),
    rows: idx.sum(SidecarInput.rows.name, {}),
    features,
    outputs,
  };
}

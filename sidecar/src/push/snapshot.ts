import type { PushedWindow, WindowFeatureCounts } from '@modelwatch/core';

/**
 * What the sidecar hands the edge pusher: its cumulative counts since the counters last
 * started (process start or a baseline swap), over the active baseline's bins/categories — the
 * same numbers its Prometheus histograms and counters hold. The pusher turns two snapshots into
 * one window by subtraction, exactly like `increase()` in PromQL.
 */
export type OutputCounts = WindowFeatureCounts & { output: string; role: 'prediction' | 'confidence' };

export interface CountsSnapshot {
  /** Changes whenever the counters restart from zero (new process, new baseline bins). */
  epoch: string;
  modelVersion?: string;
  /** The sidecar variant whose counts these are: the collector keeps windows per variant. */
  variant?: string;
  baselineVersion?: string;
  rows: number;
  features: WindowFeatureCounts[];
  outputs: OutputCounts[];
}

/** May be async: e.g. built from the sidecar's rendered /metrics text. */
export type SnapshotSource = () => CountsSnapshot | Promise<CountsSnapshot>;

export type WindowCounts = Pick<PushedWindow, 'rows' | 'features' | 'outputs'>;

function deltaOf<T extends WindowFeatureCounts>(cur: T, prev: T | undefined): T {
  if (!prev || prev.type !== cur.type || prev.counts.length !== cur.counts.length) return cur;
  const counts = new Array<number>(cur.counts.length);
  for (let i = 0; i < counts.length; i++) {
    const d = cur.counts[i] - prev.counts[i];
    // A counter that went down was restarted (Prometheus counter-reset rule): count it from zero.
    if (d < 0) return cur;
    counts[i] = d;
  }
  const missing = cur.missing - prev.missing;
  if (missing < 0) return cur;
  return { ...cur, counts, missing };
}

/** Counts added between `prev` and `cur`; everything in `cur` when the epoch changed or there is no `prev`. */
export function snapshotDelta(prev: CountsSnapshot | undefined, cur: CountsSnapshot): WindowCounts {
  if (!prev || prev.epoch !== cur.epoch) return { rows: cur.rows, features: cur.features, outputs: cur.outputs };
  const pf = new Map(prev.features.map((f) => [f.name, f]));
  const po = new Map(prev.outputs.map((o) => [`${o.output}\u0000${o.role}\u0000${o.name}`, o]));
  return {
    rows: Math.max(0, cur.rows - prev.rows),
    features: cur.features.map((f) => deltaOf(f, pf.get(f.name))),
    outputs: cur.outputs.map((o) => deltaOf(o, po.get(`${o.output}\u0000${o.role}\u0000${o.name}`))),
  };
}

/** True when the window holds nothing worth sending (no rows, no counts). */
export function isEmptyWindow(w: WindowCounts): boolean {
  if (w.rows > 0) return false;
  const any = (xs: readonly WindowFeatureCounts[]) => xs.some((x) => x.missing > 0 || x.counts.some((c) => c > 0));
  return !any(w.features) && !any(w.outputs);
}

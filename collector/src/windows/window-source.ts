import type { BaselineProfile, LiveWindow, WindowFeatureCounts } from '@modelwatch/core';
import type { EvaluationErrorReason } from '../drift/drift-metrics.js';

export interface WindowSpec {
  /** Label as configured, e.g. `15m`. */
  label: string;
  ms: number;
}

/** Where live window counts come from: Prometheus (scraped sidecars) or pushes (edge sidecars). */
export interface WindowSource {
  readonly kind: 'prometheus' | 'push';
  /**
   * Counts over (endMs - window.ms, endMs], shaped like the baseline (same bins and category
   * order), or undefined when this source saw nothing for the model in the window.
   * Throws WindowError when the data cannot be aligned with the baseline.
   */
  fetch(baseline: BaselineProfile, window: WindowSpec, endMs: number, signal?: AbortSignal): Promise<LiveWindow | undefined>;
  /**
   * The same counts kept apart per sidecar variant (key '' for counts without a variant), so the
   * evaluator can judge a canary on its own traffic. Empty map when the source saw nothing.
   * Optional: a source without it is read with `fetch`, all variants together (see byVariant).
   */
  fetchByVariant?(baseline: BaselineProfile, window: WindowSpec, endMs: number, signal?: AbortSignal): Promise<Map<string, LiveWindow>>;
}

/** A source's windows per variant: `fetchByVariant` when it has one, else `fetch` under key ''. */
export async function byVariant(
  source: WindowSource,
  baseline: BaselineProfile,
  window: WindowSpec,
  endMs: number,
  signal?: AbortSignal,
): Promise<Map<string, LiveWindow>> {
  if (source.fetchByVariant) return source.fetchByVariant(baseline, window, endMs, signal);
  const w = await source.fetch(baseline, window, endMs, signal);
  return w ? new Map([['', w]]) : new Map();
}

/** All variants of a model together (what `fetch` returns), or undefined when there are none. */
export function sumVariants(baseline: BaselineProfile, window: WindowSpec, endMs: number, byVariant: Map<string, LiveWindow>): LiveWindow | undefined {
  if (byVariant.size === 0) return undefined;
  const out = emptyWindow(baseline, window, endMs);
  for (const w of byVariant.values()) addWindow(out, w);
  return out;
}

export class WindowError extends Error {
  /** `reason` is the bounded label of the error counter; `code` the catalogue code when there is one. */
  constructor(readonly reason: EvaluationErrorReason, message: string, readonly code?: string) {
    super(message);
    this.name = 'WindowError';
  }
}

type Profiled = BaselineProfile['features'][number];

function binCount(f: Profiled): number {
  return f.type === 'numeric' ? f.bins.counts.length : f.categories.length + 1;
}

/** A window of zeros with exactly the baseline's shape; sources add into it. */
export function emptyWindow(baseline: BaselineProfile, window: WindowSpec, endMs: number): LiveWindow {
  const zero = (f: Profiled): WindowFeatureCounts => ({ name: f.name, type: f.type, counts: new Array(binCount(f)).fill(0), missing: 0 });
  return {
    model: baseline.model,
    window: window.label,
    start: new Date(endMs - window.ms).toISOString(),
    end: new Date(endMs).toISOString(),
    features: baseline.features.map(zero),
    outputs: baseline.outputs.map((o) => ({ ...zero(o), output: o.output, role: o.role })),
  };
}

/** Adds `from` into `into` (same model and window); shapes must match the baseline. */
export function addWindow(into: LiveWindow, from: LiveWindow): void {
  const add = (target: WindowFeatureCounts[], source: WindowFeatureCounts[], what: string) => {
    const byName = new Map(target.map((t) => [t.name, t]));
    for (const s of source) {
      const t = byName.get(s.name);
      if (!t) continue;
      if (t.counts.length !== s.counts.length) {
        throw new WindowError('shape_mismatch', `${what} "${s.name}" has ${s.counts.length} bins, the baseline ${t.counts.length}`);
      }
      for (let i = 0; i < s.counts.length; i++) t.counts[i] += s.counts[i];
      t.missing += s.missing;
    }
  };
  add(into.features, from.features, 'feature');
  add(into.outputs, from.outputs, 'output');
}

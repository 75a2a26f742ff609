import type { BaselineProfile, LiveWindow, PushedWindow } from '@modelwatch/core';
import type { BaselineStore } from '../store/baseline-store.js';
import { addWindow, emptyWindow, sumVariants, type WindowSource, type WindowSpec } from './window-source.js';

/** True when every feature and output the push shares with the window has the same number of bins. */
function sameShape(window: LiveWindow, push: PushedWindow): boolean {
  const bins = new Map<string, number>();
  for (const f of window.features) bins.set(`f\u0000${f.name}`, f.counts.length);
  for (const o of window.outputs) bins.set(`o\u0000${o.name}`, o.counts.length);
  const ok = (key: string, n: number) => {
    const expected = bins.get(key);
    return expected === undefined || expected === n;
  };
  return push.features.every((f) => ok(`f\u0000${f.name}`, f.counts.length)) && push.outputs.every((o) => ok(`o\u0000${o.name}`, o.counts.length));
}

/**
 * Windows pushed by edge sidecars: every stored push (already deduplicated on (source, seq))
 * whose end falls in the window is summed. Pushes binned against another baseline version are
 * left out: their bins mean other edges, and adding them would be a guess. A push whose bin counts
 * do not fit the baseline is left out and reported through `onMismatch` (an evaluation error),
 * so one misconfigured edge device cannot stop drift evaluation for the whole fleet.
 */
export class PushWindowSource implements WindowSource {
  readonly kind = 'push' as const;

  constructor(
    private readonly store: BaselineStore,
    private readonly onMismatch: (model: string, push: PushedWindow) => void = () => {},
  ) {}

  async fetch(baseline: BaselineProfile, window: WindowSpec, endMs: number): Promise<LiveWindow | undefined> {
    return sumVariants(baseline, window, endMs, await this.fetchByVariant(baseline, window, endMs));
  }

  /** Pushes carry the sidecar's variant; windows without one are keyed ''. */
  async fetchByVariant(baseline: BaselineProfile, window: WindowSpec, endMs: number): Promise<Map<string, LiveWindow>> {
    const pushes = await this.store.pushedWindows(baseline.model, endMs - window.ms, endMs);
    const byVariant = new Map<string, LiveWindow>();
    for (const p of pushes) {
      if (p.baselineVersion !== undefined && p.baselineVersion !== baseline.version) continue;
      const key = p.variant ?? '';
      let out = byVariant.get(key);
      if (!out) {
        out = emptyWindow(baseline, window, endMs);
        if (p.variant !== undefined) out.variant = p.variant;
      }
      if (!sameShape(out, p)) {
        this.onMismatch(baseline.model, p);
        continue;
      }
      addWindow(out, { ...out, features: p.features, outputs: p.outputs });
      byVariant.set(key, out);
    }
    return byVariant;
  }
}

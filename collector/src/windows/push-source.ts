import type { BaselineProfile, LiveWindow } from '@modelwatch/core';
import type { BaselineStore } from '../store/baseline-store.js';
import { addWindow, emptyWindow, type WindowSource, type WindowSpec } from './window-source.js';

/**
 * Windows pushed by edge sidecars: every stored push (already deduplicated on (source, seq))
 * whose end falls in the window is summed. Pushes binned against another baseline version are
 * left out: their bins mean other edges, and adding them would be a guess.
 */
export class PushWindowSource implements WindowSource {
  readonly kind = 'push' as const;

  constructor(private readonly store: BaselineStore) {}

  async fetch(baseline: BaselineProfile, window: WindowSpec, endMs: number): Promise<LiveWindow | undefined> {
    const pushes = await this.store.pushedWindows(baseline.model, endMs - window.ms, endMs);
    const usable = pushes.filter((p) => p.baselineVersion === undefined || p.baselineVersion === baseline.version);
    if (usable.length === 0) return undefined;
    const out = emptyWindow(baseline, window, endMs);
    for (const p of usable) addWindow(out, { ...out, features: p.features, outputs: p.outputs });
    return out;
  }
}

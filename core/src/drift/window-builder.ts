/**
 * Raw rows → a LiveWindow of counts over a baseline's bins (batch drift on a file, tests).
 * Lookups are prepared once per baseline; each value costs one binary search or one map lookup.
 */
import type { BaselineProfile, FeatureProfile } from '../baseline/profile.js';
import { OTHER_CATEGORY } from '../contract/labels.js';
import { binIndex, categoryIndex } from '../baseline/binning.js';
import { toCategory, toNumber } from '../baseline/values.js';
import type { LiveWindow, WindowFeatureCounts } from './types.js';

interface Slot {
  profile: FeatureProfile;
  counts: number[];
  missing: number;
  binOf: (v: unknown) => number;
}

function slot(profile: FeatureProfile): Slot {
  let binOf: (v: unknown) => number;
  if (profile.type === 'numeric') {
    const edges = profile.bins.edges;
    binOf = (v) => {
      const x = toNumber(v);
      return x === undefined ? -1 : binIndex(edges, x);
    };
  } else {
    const index = categoryIndex(profile);
    const other = profile.categories.length;
    binOf = (v) => {
      const c = toCategory(v);
      return c === undefined ? -1 : c === OTHER_CATEGORY ? other : (index.get(c) ?? other);
    };
  }
  const n = profile.type === 'numeric' ? profile.bins.edges.length + 1 : profile.categories.length + 1;
  return { profile, counts: new Array<number>(n).fill(0), missing: 0, binOf };
}

export class WindowBuilder {
  private features: Slot[];
  private outputs: Slot[];
  rows = 0;

  constructor(private readonly baseline: BaselineProfile) {
    this.features = baseline.features.map(slot);
    this.outputs = baseline.outputs.map(slot);
  }

  add(row: Record<string, unknown>): void {
    this.rows++;
    for (const s of this.features) this.put(s, row[s.profile.name]);
    for (const s of this.outputs) if (s.profile.name in row) this.put(s, row[s.profile.name]);
  }

  addColumns(columns: Record<string, ArrayLike<unknown>>, length: number): void {
    this.rows += length;
    for (const s of this.features) {
      const values = columns[s.profile.name];
      for (let i = 0; i < length; i++) this.put(s, values ? values[i] : undefined);
    }
    for (const s of this.outputs) {
      const values = columns[s.profile.name];
      if (values) for (let i = 0; i < length; i++) this.put(s, values[i]);
    }
  }

  private put(s: Slot, v: unknown): void {
    const b = s.binOf(v);
    if (b < 0) s.missing++;
    else s.counts[b]!++;
  }

  toWindow(meta: { window?: string; start?: string; end?: string } = {}): LiveWindow {
    const now = new Date().toISOString();
    const counts = (s: Slot): WindowFeatureCounts => ({ name: s.profile.name, type: s.profile.type, counts: s.counts.slice(), missing: s.missing });
    return {
      model: this.baseline.model,
      window: meta.window ?? 'batch',
      start: meta.start ?? now,
      end: meta.end ?? now,
      features: this.features.map(counts),
      outputs: this.baseline.outputs
        .map((o, i) => ({ ...counts(this.outputs[i]!), output: o.output, role: o.role }))
        .filter((o) => o.counts.some((c) => c > 0) || o.missing > 0),
    };
  }
}

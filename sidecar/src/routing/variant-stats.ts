import type { OutputBatch } from '../protocols/types.js';

/** Request-duration bounds used for the in-process p99 (the sidecar's request-duration buckets). */
const LATENCY_BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What one variant did in one analysis interval, from the sidecar's own counters. */
export interface VariantWindow {
  requests: number;
  /** 5xx answers (the model server or the model failed), as the error ratio's numerator. */
  errors: number;
  /** Per LATENCY_BOUNDS bucket (+Inf last), non-cumulative. */
  latency: number[];
  predictions: number;
  lowConfidence: number;
  /** Rows compared on a class with the primary for the same request, and how many differed. */
  comparedRows: number;
  disagreements: number;
}

export function emptyWindow(): VariantWindow {
  return { requests: 0, errors: 0, latency: new Array<number>(LATENCY_BOUNDS.length + 1).fill(0), predictions: 0, lowConfidence: 0, comparedRows: 0, disagreements: 0 };
}

/** Upper bound of the bucket holding the q-quantile (Prometheus' histogram_quantile without interpolation). */
export function quantile(w: VariantWindow, q: number): number | undefined {
  const total = w.latency.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let cum = 0;
  for (let i = 0; i < w.latency.length; i++) {
    cum += w.latency[i];
    if (cum >= rank) return i < LATENCY_BOUNDS.length ? LATENCY_BOUNDS[i] : Infinity;
  }
  return Infinity;
}

/**
 * Per-variant counters for the canary analysis when no Prometheus is configured: the analysis takes
 * a window each interval and the counts restart. Updated only while a canary is being analysed.
 */
export class VariantStats {
  private readonly windows = new Map<string, VariantWindow>();

  constructor(private readonly lowConfidenceThreshold: number) {}

  private window(variant: string): VariantWindow {
    let w = this.windows.get(variant);
    if (!w) {
      w = emptyWindow();
      this.windows.set(variant, w);
    }
    return w;
  }

  answered(variant: string, status: number, seconds: number): void {
    const w = this.window(variant);
    w.requests++;
    if (status >= 500) w.errors++;
    let i = 0;
    while (i < LATENCY_BOUNDS.length && seconds > LATENCY_BOUNDS[i]) i++;
    w.latency[i]++;
  }

  outputs(variant: string, batch: OutputBatch): void {
    const w = this.window(variant);
    for (const col of batch.outputs.values()) {
      if (col.kind !== 'probabilities') continue;
      for (let r = 0; r < col.rows; r++) {
        let max = 0;
        for (let c = 0; c < col.classes; c++) max = Math.max(max, col.data[r * col.classes + c]);
        w.predictions++;
        if (max < this.lowConfidenceThreshold) w.lowConfidence++;
      }
    }
  }

  compared(variant: string, rows: number, disagreements: number): void {
    const w = this.window(variant);
    w.comparedRows += rows;
    w.disagreements += disagreements;
  }

  /** The variant's counts since the last take; they restart from zero. */
  take(variant: string): VariantWindow {
    const w = this.windows.get(variant) ?? emptyWindow();
    this.windows.delete(variant);
    return w;
  }

  reset(): void {
    this.windows.clear();
  }
}

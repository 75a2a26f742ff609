import { quantile, type VariantStats, type VariantWindow } from './variant-stats.js';

/** What the analysis compares, for one variant over one interval. */
export interface Measurements {
  requests: number;
  /** undefined: no data for this measure in the interval. */
  errorRatio: number | undefined;
  latencyP99: number | undefined;
  disagreement: number | undefined;
  lowConfidence: number | undefined;
  /** True when the collector reports drift for the variant; undefined when not known. */
  drifted: boolean | undefined;
}

export interface AnalysisSource {
  measure(variant: string, intervalMs: number): Promise<Measurements>;
}

function fromWindow(w: VariantWindow): Measurements {
  return {
    requests: w.requests,
    errorRatio: w.requests > 0 ? w.errors / w.requests : undefined,
    latencyP99: quantile(w, 0.99),
    disagreement: w.comparedRows > 0 ? w.disagreements / w.comparedRows : undefined,
    lowConfidence: w.predictions > 0 ? w.lowConfidence / w.predictions : undefined,
    drifted: undefined,
  };
}

/** The sidecar's own counters (no Prometheus needed): each call takes the interval's window. */
export class OwnCounterSource implements AnalysisSource {
  constructor(private readonly stats: VariantStats) {}

  async measure(variant: string): Promise<Measurements> {
    return fromWindow(this.stats.take(variant));
  }
}

async function fetchText(url: string, timeoutMs: number): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/**
 * The same measures from Prometheus (every replica of the sidecar together), and the drift verdict
 * from the collector's exported drift metrics when a collector is configured.
 */
export class PrometheusSource implements AnalysisSource {
  constructor(
    private readonly prometheus: string | undefined,
    private readonly collector: string | undefined,
    private readonly model: string,
    private readonly fallback: AnalysisSource,
  ) {}

  private async scalar(expr: string): Promise<number | undefined> {
    const text = await fetchText(`${this.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`, 10_000);
    const doc = JSON.parse(text) as { data?: { result?: { value: [number, string] }[] } };
    const v = doc.data?.result?.[0]?.value?.[1];
    const n = v === undefined ? NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  }

  async measure(variant: string, intervalMs: number): Promise<Measurements> {
    const base = this.prometheus ? undefined : await this.fallback.measure(variant, intervalMs);
    let m: Measurements;
    if (base) m = base;
    else {
      const w = `${Math.max(1, Math.round(intervalMs / 1000))}s`;
      // Label values are configuration (model and variant names from a bounded alphabet).
      const sel = `model="${this.model}",variant="${variant}"`;
      const [requests, errors, p99, disagree, compared, low, preds] = await Promise.all([
        this.scalar(`sum(increase(modelwatch_requests_total{${sel}}[${w}]))`),
        this.scalar(`sum(increase(modelwatch_requests_total{${sel},outcome=~"upstream_error|internal_error"}[${w}]))`),
        this.scalar(`histogram_quantile(0.99, sum by (le) (rate(modelwatch_request_duration_seconds_bucket{${sel}}[${w}])))`),
        this.scalar(`sum(increase(modelwatch_variant_comparisons_total{${sel},result="disagree"}[${w}]))`),
        this.scalar(`sum(increase(modelwatch_variant_comparisons_total{${sel},result=~"agree|disagree"}[${w}]))`),
        this.scalar(`sum(increase(modelwatch_output_low_confidence_total{${sel}}[${w}]))`),
        this.scalar(`sum(increase(modelwatch_predictions_total{${sel}}[${w}]))`),
      ]);
      m = {
        requests: requests ?? 0,
        errorRatio: requests ? (errors ?? 0) / requests : undefined,
        latencyP99: p99,
        disagreement: compared ? (disagree ?? 0) / compared : undefined,
        lowConfidence: preds ? (low ?? 0) / preds : undefined,
        drifted: undefined,
      };
    }
    if (this.collector) m.drifted = await this.collectorDrift(variant);
    return m;
  }

  /** `modelwatch_drift_dataset_detected{model, variant}` from the collector's /metrics. */
  private async collectorDrift(variant: string): Promise<boolean | undefined> {
    const text = await fetchText(`${this.collector}/metrics`, 10_000);
    let seen = false;
    for (const line of text.split('\n')) {
      if (!line.startsWith('modelwatch_drift_dataset_detected{')) continue;
      if (!line.includes(`model="${this.model}"`) || !line.includes(`variant="${variant}"`)) continue;
      seen = true;
      if (Number(line.slice(line.lastIndexOf(' ') + 1)) >= 1) return true;
    }
    return seen ? false : undefined;
  }
}

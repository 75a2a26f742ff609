import { OTHER_CATEGORY, SidecarInput, SidecarOutput, type BaselineProfile, type LiveWindow } from '@modelwatch/core';
import { bucketsToCounts } from './buckets.js';
import { emptyWindow, sumVariants, WindowError, type WindowSource, type WindowSpec } from './window-source.js';

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Live windows from Prometheus: bucket and counter increases over the window, summed across all
 * replicas by PromQL. Only the plain HTTP query API is used, so Thanos and Mimir work unchanged.
 * Metric names come from core's contract.
 */
export class PrometheusWindowSource implements WindowSource {
  readonly kind = 'prometheus' as const;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
    private readonly headers: Record<string, string> = {},
  ) {}

  async fetch(baseline: BaselineProfile, window: WindowSpec, endMs: number): Promise<LiveWindow | undefined> {
    return sumVariants(baseline, window, endMs, await this.fetchByVariant(baseline, window, endMs));
  }

  /** One window per `variant` label value ('' for series without one), from one set of queries. */
  async fetchByVariant(baseline: BaselineProfile, window: WindowSpec, endMs: number): Promise<Map<string, LiveWindow>> {
    const sel = `{model="${escapeLabelValue(baseline.model)}"}[${window.label}]`;
    // Grouped by variant too: a canary's counts must not be diluted into its primary's.
    const q = (by: string, series: string) => `sum by (variant, ${by}) (increase(${series}${sel}))`;
    const hasOutputs = baseline.outputs.length > 0;
    const [buckets, categories, invalid, predBuckets, confBuckets, classes, empty] = await Promise.all([
      this.query(q('feature, le', `${SidecarInput.featureValue.name}_bucket`), endMs),
      this.query(q('feature, category', SidecarInput.categories.name), endMs),
      this.query(q('feature', SidecarInput.invalidValues.name), endMs),
      hasOutputs ? this.query(q('output, le', `${SidecarOutput.predictionValue.name}_bucket`), endMs) : [],
      hasOutputs ? this.query(q('output, le', `${SidecarOutput.confidence.name}_bucket`), endMs) : [],
      hasOutputs ? this.query(q('output, class', SidecarOutput.classes.name), endMs) : [],
      hasOutputs ? this.query(q('output', SidecarOutput.empty.name), endMs) : [],
    ]);
    const all = [buckets, categories, invalid, predBuckets, confBuckets, classes, empty];
    const variants = new Set(all.flatMap((r) => r.map((s) => s.metric.variant ?? '')));
    const result = new Map<string, LiveWindow>();
    for (const variant of variants) {
      const only = (r: VectorSample[]) => r.filter((s) => (s.metric.variant ?? '') === variant);
      const window1 = this.build(baseline, window, endMs, only(buckets), only(categories), only(invalid), only(predBuckets), only(confBuckets), only(classes), only(empty));
      if (variant !== '') window1.variant = variant;
      result.set(variant, window1);
    }
    return result;
  }

  private build(
    baseline: BaselineProfile, window: WindowSpec, endMs: number,
    buckets: VectorSample[], categories: VectorSample[], invalid: VectorSample[],
    predBuckets: VectorSample[], confBuckets: VectorSample[], classes: VectorSample[], empty: VectorSample[],
  ): LiveWindow {
    const out = emptyWindow(baseline, window, endMs);
    const group = (samples: VectorSample[], key: string) => {
      const m = new Map<string, VectorSample[]>();
      for (const s of samples) {
        const k = s.metric[key] ?? '';
        let list = m.get(k);
        if (!list) m.set(k, (list = []));
        list.push(s);
      }
      return m;
    };
    const num = (s: VectorSample) => Number(s.value[1]);
    const bucketsBy = { feature: group(buckets, 'feature'), pred: group(predBuckets, 'output'), conf: group(confBuckets, 'output') };
    const catsBy = { feature: group(categories, 'feature'), classes: group(classes, 'output') };
    const missingBy = { feature: group(invalid, 'feature'), output: group(empty, 'output') };

    const fill = (
      target: LiveWindow['features'][number],
      profile: BaselineProfile['features'][number],
      bucketSamples: VectorSample[] | undefined,
      catSamples: VectorSample[] | undefined,
      catLabel: string,
      missingSamples: VectorSample[] | undefined,
      what: string,
    ) => {
      if (profile.type === 'numeric') {
        if (bucketSamples?.length) {
          target.counts = bucketsToCounts(profile.bins.edges, bucketSamples.map((s) => ({ le: s.metric.le ?? '', value: num(s) })), what);
        }
      } else if (catSamples?.length) {
        const index = new Map(profile.categories.map((c, i) => [c.value, i]));
        const other = profile.categories.length;
        for (const s of catSamples) {
          const v = s.metric[catLabel] ?? OTHER_CATEGORY;
          const i = index.get(v) ?? other;
          const n = num(s);
          if (Number.isFinite(n) && n > 0) target.counts[i] += n;
        }
      }
      for (const s of missingSamples ?? []) {
        const n = num(s);
        if (Number.isFinite(n) && n > 0) target.missing += n;
      }
    };

    baseline.features.forEach((f, i) => {
      fill(out.features[i], f, bucketsBy.feature.get(f.name), catsBy.feature.get(f.name), 'category', missingBy.feature.get(f.name), `feature "${f.name}"`);
    });
    baseline.outputs.forEach((o, i) => {
      const bucketSamples = o.role === 'confidence' ? bucketsBy.conf.get(o.output) : bucketsBy.pred.get(o.output);
      // An empty output is a missing prediction; its confidence has no missing count of its own.
      const missing = o.role === 'prediction' ? missingBy.output.get(o.output) : undefined;
      fill(out.outputs[i], o, bucketSamples, catsBy.classes.get(o.output), 'class', missing, `output "${o.name}"`);
    });
    return out;
  }

  private async query(promql: string, endMs: number): Promise<VectorSample[]> {
    const url = `${this.baseUrl}/api/v1/query?${new URLSearchParams({ query: promql, time: String(endMs / 1000) })}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new WindowError('prometheus_unreachable', `Prometheus at ${this.baseUrl} is unreachable: ${(err as Error).message}`);
    }
    let body: { status?: string; error?: string; data?: { resultType?: string; result?: VectorSample[] } };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new WindowError('prometheus_error', `Prometheus answered ${res.status} with a body that is not JSON`);
    }
    if (body.status !== 'success' || body.data?.resultType !== 'vector' || !Array.isArray(body.data.result)) {
      throw new WindowError('prometheus_error', `Prometheus query failed (${res.status}): ${body.error ?? 'unexpected response'}`);
    }
    return body.data.result;
  }
}

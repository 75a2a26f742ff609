import { ALL_RECORDED_WINDOWS, OTHER_CATEGORY, SidecarInput, SidecarOutput, type BaselineProfile, type LiveWindow } from '@modelwatch/core';
import { bucketsToCounts } from './buckets.js';
import { PrometheusQueryClient, type QueryOutcome, type VectorSample } from './prometheus-query.js';
import { emptyWindow, sumVariants, WindowError, type WindowSource, type WindowSpec } from './window-source.js';

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** RE2 metacharacters, escaped so a feature name matches itself in a `=~` matcher. */
function escapeRegex(v: string): string {
  return v.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** Where window counts are read from: the sidecars' raw series, or the shipped cross-replica recording rules. */
export type WindowsFrom = 'raw' | 'recorded';

export interface PrometheusSourceOptions {
  /** `recorded` needs alert-rules/rules/windows.yaml loaded in the engine (or its ruler). Default raw. */
  windowsFrom?: WindowsFrom;
  /**
   * Features per per-feature query; 0 = all features of a model in one query. Whatever this is, a
   * query the engine refuses as too large (a series or sample limit) is split in halves down to
   * one feature, so a model larger than the engine's limit is still evaluated.
   */
  featuresPerQuery?: number;
  /** Called once per query with what became of it (the collector's health counter). */
  observe?: (outcome: QueryOutcome | 'split') => void;
}

const RECORDED_BY_SOURCE = new Map(ALL_RECORDED_WINDOWS.map((r) => [r.source, r.record]));

/**
 * Live windows from Prometheus: bucket and counter increases over the window, summed across all
 * replicas by PromQL. Only the plain HTTP query API is used, so Thanos, Mimir and VictoriaMetrics
 * work unchanged. Metric names come from core's contract.
 *
 * Raw series cost the engine replicas × features × bins per window; with `windowsFrom: 'recorded'`
 * the replicas are already summed away by the recording rules and the window is a `sum_over_time`
 * of their per-interval increases: the cost no longer depends on the replica count.
 */
export class PrometheusWindowSource implements WindowSource {
  readonly kind = 'prometheus' as const;
  private readonly client: PrometheusQueryClient;
  private readonly windowsFrom: WindowsFrom;
  private readonly featuresPerQuery: number;
  private readonly observe: (outcome: QueryOutcome | 'split') => void;

  constructor(
    baseUrl: string,
    timeoutMs = 10_000,
    headers: Record<string, string> = {},
    options: PrometheusSourceOptions = {},
  ) {
    this.observe = options.observe ?? (() => {});
    this.client = new PrometheusQueryClient(baseUrl, timeoutMs, headers, this.observe);
    this.windowsFrom = options.windowsFrom ?? 'raw';
    this.featuresPerQuery = options.featuresPerQuery ?? 0;
  }

  async fetch(baseline: BaselineProfile, window: WindowSpec, endMs: number, signal?: AbortSignal): Promise<LiveWindow | undefined> {
    return sumVariants(baseline, window, endMs, await this.fetchByVariant(baseline, window, endMs, signal));
  }

  /** One window per `variant` label value ('' for series without one), from one set of queries. */
  async fetchByVariant(baseline: BaselineProfile, window: WindowSpec, endMs: number, signal?: AbortSignal): Promise<Map<string, LiveWindow>> {
    const model = `model="${escapeLabelValue(baseline.model)}"`;
    /**
     * The window query of one raw series, grouped by variant too (a canary's counts must not be
     * diluted into its primary's; the recorded series keep `variant`); `matcher` narrows it to a
     * feature group when split.
     */
    const q = (by: string, series: string) => (matcher = '') => {
      const sel = `{${model}${matcher}}[${window.label}]`;
      const recorded = RECORDED_BY_SOURCE.get(series);
      return this.windowsFrom === 'recorded' && recorded
        ? `sum by (variant, ${by}) (sum_over_time(${recorded}${sel}))`
        : `sum by (variant, ${by}) (increase(${series}${sel}))`;
    };
    const perFeature = (features: string[], build: (matcher?: string) => string) => this.queryFeatures(build, features, endMs, signal);
    const run = (build: () => string) => this.client.query(build(), endMs, signal);
    const numeric = baseline.features.filter((f) => f.type === 'numeric').map((f) => f.name);
    const categorical = baseline.features.filter((f) => f.type !== 'numeric').map((f) => f.name);
    const hasOutputs = baseline.outputs.length > 0;
    const [buckets, categories, invalid, predBuckets, confBuckets, classes, empty] = await Promise.all([
      perFeature(numeric, q('feature, le', `${SidecarInput.featureValue.name}_bucket`)),
      perFeature(categorical, q('feature, category', SidecarInput.categories.name)),
      perFeature(baseline.features.map((f) => f.name), q('feature', SidecarInput.invalidValues.name)),
      hasOutputs ? run(q('output, le', `${SidecarOutput.predictionValue.name}_bucket`)) : [],
      hasOutputs ? run(q('output, le', `${SidecarOutput.confidence.name}_bucket`)) : [],
      hasOutputs ? run(q('output, class', SidecarOutput.classes.name)) : [],
      hasOutputs ? run(q('output', SidecarOutput.empty.name)) : [],
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

  /**
   * A per-feature query over `features`, in groups of `featuresPerQuery` (all at once when 0). A
   * group the engine refuses as too large is halved and retried, down to a single feature; groups
   * run one after another so a split never multiplies the load it was meant to shed.
   */
  private async queryFeatures(build: (matcher?: string) => string, features: string[], endMs: number, signal?: AbortSignal): Promise<VectorSample[]> {
    if (features.length === 0) return [];
    const run = async (group: string[] | undefined): Promise<VectorSample[]> => {
      const matcher = group ? `,feature=~"${escapeLabelValue(group.map(escapeRegex).join('|'))}"` : '';
      try {
        return await this.client.query(build(matcher), endMs, signal);
      } catch (err) {
        const all = group ?? features;
        if (!(err instanceof WindowError) || err.reason !== 'query_too_large' || all.length <= 1) throw err;
        this.observe('split');
        const mid = Math.ceil(all.length / 2);
        return [...(await run(all.slice(0, mid))), ...(await run(all.slice(mid)))];
      }
    };
    const size = this.featuresPerQuery;
    if (size <= 0 || features.length <= size) return run(undefined);
    const out: VectorSample[] = [];
    for (let i = 0; i < features.length; i += size) out.push(...(await run(features.slice(i, i + size))));
    return out;
  }
}

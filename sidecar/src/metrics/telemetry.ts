import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import {
  Label,
  SidecarInput,
  SidecarSoftware,
  TraceDropReason,
  type BaselineProfile,
  type ErrorReasonValue,
  type FeatureCounter,
  type MetricDescriptor,
  type OutcomeValue,
  type TraceDropReasonValue,
} from '@modelwatch/core';
import type { InputBatch, OutputBatch } from '../protocols/types.js';
import { header, renderLabels } from './exposition.js';
import { InputMonitor, type FeatureDeclaration } from './input-monitor.js';
import { OutputMonitor, type OutputDeclarations } from './output-monitor.js';
import { SoftwareMetrics } from './software-metrics.js';
import type { ExtractorSet } from '../extractors/extractor-set.js';

export interface ModelIdentity {
  model: string;
  modelVersion: string;
  pipeline: string;
  stage: string;
  variant: string;
}

export interface TelemetryOptions {
  identity: ModelIdentity;
  /** `embedded` or the proxy protocol (the `mode` label of the info metric). */
  mode: string;
  upstreamStages: readonly string[];
  maxMonitoredFeatures: number;
  /** Per-feature counters exposed besides the bin buckets (series budget). Default: all. */
  featureCounters?: readonly FeatureCounter[];
  lowConfidenceThreshold: number;
  /** Derived features for non-tabular inputs, applied to every monitored batch. */
  extractors?: ExtractorSet;
  /** Process and event-loop metrics (off in micro-benchmarks that build many instances). */
  defaultMetrics?: boolean;
}

function labelNames(m: MetricDescriptor): string[] {
  return [...m.labels];
}

/**
 * Every sidecar metric, registered from the core contract. Software metrics use prom-client with
 * label children bound once at startup; input/output distributions use the custom monitors
 * (per-feature bucket sets). No method throws: telemetry must never break inference.
 */
export class SidecarTelemetry {
  readonly registry = new Registry();
  private readonly inputs: InputMonitor;
  private readonly outputs: OutputMonitor;
  private readonly id: Record<string, string>;
  private readonly software: SoftwareMetrics;
  private readonly extractors: ExtractorSet | undefined;
  private readonly errors: Counter;
  private readonly unmonitored: Counter;
  private readonly baselineLoaded: Gauge;
  private readonly traceExportFailures: Counter;
  private readonly spansDropped: Counter;
  private readonly connections: Gauge;
  private readonly ignoredHeader: string;
  private readonly ignoredLabels: string;
  /** Extra exposition renderers (e.g. the edge pusher's counters), called at scrape time. */
  private readonly renderers: ((out: string[]) => void)[] = [];
  /** Telemetry failures, for tests and the operator's logs; never rethrown. */
  failures = 0;

  constructor(opts: TelemetryOptions) {
    const { identity } = opts;
    this.id = {
      [Label.model]: identity.model,
      [Label.modelVersion]: identity.modelVersion,
      [Label.pipeline]: identity.pipeline,
      [Label.stage]: identity.stage,
      [Label.variant]: identity.variant,
    };
    const rendered = renderLabels(this.id);
    this.inputs = new InputMonitor(rendered, opts.maxMonitoredFeatures, opts.featureCounters);
    this.outputs = new OutputMonitor(rendered, opts.lowConfidenceThreshold);
    const registers = [this.registry];
    const counter = (m: MetricDescriptor) => new Counter({ name: m.name, help: m.help, labelNames: labelNames(m), registers });
    const gauge = (m: MetricDescriptor) => new Gauge({ name: m.name, help: m.help, labelNames: labelNames(m), registers });

    const S = SidecarSoftware;
    gauge(S.info).set({ ...this.id, [Label.upstreamStages]: opts.upstreamStages.join(','), [Label.mode]: opts.mode }, 1);
    this.software = new SoftwareMetrics(rendered);
    this.extractors = opts.extractors && opts.extractors.featureNames.length > 0 ? opts.extractors : undefined;
    // Rare events (errors, unmonitored payloads, baseline changes) stay on prom-client.
    this.errors = counter(S.requestErrors);
    this.unmonitored = counter(S.unmonitoredPayloads);
    this.baselineLoaded = gauge(S.baselineLoaded);
    this.traceExportFailures = counter(S.traceExportFailures);
    this.traceExportFailures.inc(this.id, 0);
    this.spansDropped = counter(S.traceSpansDropped);
    for (const reason of Object.values(TraceDropReason)) this.spansDropped.inc({ ...this.id, [Label.reason]: reason }, 0);
    this.connections = gauge(S.connections);
    this.connections.set(this.id, 0);
    this.ignoredHeader = header(SidecarInput.ignoredFeatures.name, 'counter', SidecarInput.ignoredFeatures.help);
    this.ignoredLabels = rendered;
    if (opts.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client also exports these gauges with a `_total` suffix (a counter-only suffix that
      // promtool rejects); the same values stay available without it (nodejs_active_handles…).
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(name);
      }
    }
    this.setBaseline(undefined, [], {});
  }

  /** Installs (or replaces) the baseline: bucket edges and category tables. Distribution counts restart. */
  setBaseline(profile: BaselineProfile | undefined, features: readonly FeatureDeclaration[], outputs: OutputDeclarations): void {
    this.inputs.configure(features, profile);
    this.outputs.configure(outputs, profile);
    this.baselineLoaded.reset();
    this.baselineLoaded.set({ ...this.id, [Label.baselineVersion]: profile ? (profile.version ?? 'file') : 'none' }, profile ? 1 : 0);
  }

  requestStarted(): void {
    this.software.inFlight++;
  }

  /** Inference calls being handled now (the overload check reads it on every call). */
  get inFlight(): number {
    return this.software.inFlight;
  }

  requestFinished(outcome: OutcomeValue, status: number, seconds: number, requestBytes: number, responseBytes: number): void {
    try {
      this.software.finished(outcome, status, seconds, requestBytes, responseBytes);
    } catch {
      this.failures++;
    }
  }

  inferenceFinished(seconds: number): void {
    this.software.inference.observe(seconds);
  }

  error(reason: ErrorReasonValue): void {
    this.errors.inc({ ...this.id, [Label.reason]: reason });
  }

  /** A batch of spans the OTLP endpoint did not take (down, hanging, refusing). */
  traceExportFailed(): void {
    this.traceExportFailures.inc(this.id);
  }

  /** Spans that will never reach the OTLP endpoint (reported in sums, off the request path). */
  traceSpansDropped(reason: TraceDropReasonValue, spans: number): void {
    this.spansDropped.inc({ ...this.id, [Label.reason]: reason }, spans);
  }

  /** Open client connections (set when one opens or closes, not per request). */
  setConnections(n: number): void {
    this.connections.set(this.id, n);
  }

  /** `reason` comes from a codec's closed set of constants, never from the request. */
  unmonitoredPayload(reason: string): void {
    this.unmonitored.inc({ ...this.id, [Label.reason]: reason });
  }

  observeInputs(batch: InputBatch): void {
    try {
      this.software.rows += batch.rows;
      this.software.batchRows.observe(batch.rows);
      if (this.extractors) {
        const derived = this.extractors.apply(batch);
        this.inputs.observe(derived.size > 0 ? { rows: batch.rows, columns: new Map([...batch.columns, ...derived]) } : batch);
      } else {
        this.inputs.observe(batch);
      }
    } catch {
      this.failures++;
    }
  }

  observeOutputs(batch: OutputBatch): void {
    try {
      this.outputs.observe(batch);
    } catch {
      this.failures++;
    }
  }

  observeMissingOutput(name: string, rows: number): void {
    try {
      this.outputs.observeMissing(name, rows);
    } catch {
      this.failures++;
    }
  }

  /** Full exposition text: prom-client metrics followed by the custom distributions. */
  async metrics(): Promise<string> {
    const out: string[] = [await this.registry.metrics()];
    if (!out[0].endsWith('\n')) out.push('\n');
    this.software.render(out);
    this.inputs.render(out);
    out.push(this.ignoredHeader, `${SidecarInput.ignoredFeatures.name}{${this.ignoredLabels}} ${this.inputs.ignored}\n`);
    this.outputs.render(out);
    for (const r of this.renderers) r(out);
    return out.join('');
  }

  /** The rendered identity label set (`model="…",…`), for renderers that share it. */
  get identityLabels(): string {
    return this.ignoredLabels;
  }

  addRenderer(render: (out: string[]) => void): void {
    this.renderers.push(render);
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

import { FEATURE_COUNTERS, type AutomationLevelValue, type FeatureCounter, type FeatureType } from '@modelwatch/core';
import type { ExtractorConfig } from '../extractors/extractor-set.js';
import type { PredictionLogConfig, PredictionLogConfigInput } from '../predictions/config.js';
import type { ReviewConfig, ReviewConfigInput } from '../review/review-config.js';

/** Proxy protocols the sidecar can monitor. */
export const PROTOCOLS = ['oip', 'tfserving', 'mlflow', 'json'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Where tap mode gets its copies of calls from (see src/tap/). */
export const TAP_FORMATS = ['kserve', 'nginx'] as const;
export type TapFormat = (typeof TAP_FORMATS)[number];

export interface DeclaredFeature {
  name: string;
  type: FeatureType;
}

export interface Limits {
  /** Request bodies over this are refused with 413 without reading the rest. */
  maxBodyBytes: number;
  /** Proxy: upstream calls over this answer 504. */
  upstreamTimeoutMs: number;
  /** Predictions whose confidence is under this count as low-confidence. */
  lowConfidenceThreshold: number;
  /** Feature names monitored at most; the rest are ignored and counted (series budget). */
  maxMonitoredFeatures: number;
  /** Tap kserve: halves (request or response) waiting for their partner, at most; the oldest is dropped. */
  tapMaxPending: number;
  /** Tap kserve: a half whose partner has not come within this is dropped and counted. */
  tapPendingTimeoutMs: number;
  /** Inference calls handled at once; beyond it a call is answered 503 with Retry-After and counted. */
  maxInFlight: number;
  /** Client connections open at once; idle keep-alive connections are closed first, then new ones refused. */
  maxConnections: number;
  /** Request headers must arrive within this (408 otherwise). */
  headersTimeoutMs: number;
  /** The request body must arrive within this after the headers (408 otherwise). */
  bodyTimeoutMs: number;
  /**
   * Per-feature counters exposed besides the bin buckets (series budget, docs/metrics.md):
   * `sum_count` (histogram _sum/_count), `invalid` (missing/NaN/inf: the missing-rate drift and
   * alert need it), `out_of_range`. Leaving one out saves its series on every replica.
   */
  featureCounters: FeatureCounter[];
}

export type ModelSource =
  | { kind: 'embedded'; modelPath: string }
  | {
      kind: 'proxy';
      upstream: string;
      protocol: Protocol;
      /** Generic JSON protocol: the inference call's path template and JSON pointers to inputs/outputs. */
      json?: JsonProtocolConfig;
    }
  | {
      /** Tap mode: copies of calls arrive from KServe's payload logger (HTTP CloudEvents) or nginx (syslog over UDP). */
      kind: 'tap';
      format: TapFormat;
      /** kserve: unset = per event, v2 (oip) or v1 (tfserving) from the payload; nginx: any proxy protocol, default oip. */
      protocol?: Protocol;
      json?: JsonProtocolConfig;
      /** nginx: UDP port of the syslog listener (0 = any free port). */
      port?: number;
    };

export interface JsonProtocolConfig {
  /** Path template of the inference call, e.g. `/predict` or `/models/{model}/score`. */
  path: string;
  method?: string;
  /** RFC 6901 pointer to the inputs in the request body, e.g. `/data`. */
  inputs: string;
  /** RFC 6901 pointer to the outputs in the response body, e.g. `/predictions`. */
  outputs: string;
}

export type BaselineSource =
  | { kind: 'none' }
  | { kind: 'file'; path: string }
  | { kind: 'collector'; url: string; token?: string };

/** A validated sidecar configuration (see resolveConfig). */
export interface SidecarConfig {
  name: string;
  modelVersion: string;
  pipeline: string;
  stage: string;
  variant: string;
  upstreamStages: string[];
  host: string;
  port: number;
  source: ModelSource;
  baseline: BaselineSource;
  features: DeclaredFeature[];
  /** Derived features for non-tabular inputs (text length, image brightness, audio RMS…). */
  extractors: ExtractorConfig[];
  /** Edge push of window counts to the collector (for sidecars Prometheus cannot scrape). */
  push?: PushConfig;
  limits: Limits;
  /** Variants beyond the primary, their routing, admin API and canary analysis (see config/rollout.ts). */
  rollout: RolloutConfig;
  /** Head sampling of traces, 0..1 (unset: OTEL_TRACES_SAMPLER[_ARG], else 1). */
  traceSampleRatio?: number;
  /** Worker processes sharing the port (cluster); /metrics aggregates them. Default 1. */
  workers?: number;
  /** Prediction ids and the sampled prediction log (ground truth). */
  predictions: PredictionLogConfig;
  /** Which answers are marked for a human and sent to the review queue; absent = none. */
  review?: ReviewConfig;
  /** HTTPS serving and the CAs trusted for https upstream and collector URLs. */
  tls: TlsConfig;
}

export interface TlsConfig {
  /** Serve HTTPS with this PEM certificate and key (reloaded on SIGHUP by the CLI). */
  cert?: string;
  key?: string;
  /** CA bundle an https upstream's certificate must chain to (default: the system CAs). */
  upstreamCa?: string;
  /** CA bundle an https collector's certificate must chain to (default: the system CAs). */
  collectorCa?: string;
}

/** One candidate variant of the model: another upstream (same protocol) or another ONNX file. */
export interface VariantSpec {
  name: string;
  modelVersion: string;
  source: ModelSource;
}

/** Routing of client traffic across the variants; persisted by the rollout state store. */
export interface RoutingSpec {
  /** Variant answering the clients (blue-green: the active colour). */
  primary: string;
  /** Share of client traffic answered by a canary variant instead, 0-100. */
  canary: { variant: string; percent: number } | null;
  /** Share of requests copied to a shadow variant after the primary's answer, 0-100. */
  shadow: { variant: string; percent: number } | null;
  automation: AutomationLevelValue;
}

export interface AnalysisConfig {
  intervalMs: number;
  /** Canary weights in percent, stepped up one per successful interval; after the last, promote. */
  steps: number[];
  /** Failed intervals within one step before an automatic rollback. */
  failureThreshold: number;
  /** Requests the canary must have answered in an interval for it to be judged. */
  minRequests: number;
  /** Canary error ratio may exceed the primary's by at most this (absolute). */
  maxErrorRatioIncrease: number;
  /** Canary p99 latency may be at most this multiple of the primary's. */
  maxLatencyRatio: number;
  /** Share of rows whose top class differs from the primary's on the same request. */
  maxDisagreement: number;
  /** Canary low-confidence share may exceed the primary's by at most this (absolute). */
  maxLowConfidenceIncrease: number;
  /** Prometheus base URL: read the canary's and primary's counters from it instead of the sidecar's own. */
  prometheus?: string;
  /** Collector base URL: a drift verdict on the canary's variant fails the drift check. */
  collector?: string;
}

export interface AdminConfig {
  host: string;
  port: number;
  /** Bearer tokens; the name is who the events record. */
  tokens: { name: string; token: string }[];
}

export interface RolloutConfig {
  variants: VariantSpec[];
  /** The routing at first start (a persisted state takes precedence after a restart). */
  initial: RoutingSpec;
  /** Canary stickiness: requests with the same value of this header land on the same variant. */
  stickyHeader?: string;
  /** Where the routing and its events are kept across restarts (off: in memory only). */
  stateDir?: string;
  /** Shadow copies: in-flight bound, timeout, and whether copies yield to a saturated event loop. */
  shadow: { maxInFlight: number; timeoutMs: number; shedding: boolean };
  admin?: AdminConfig;
  analysis?: AnalysisConfig;
}

export interface PushConfig {
  /** Where windows wait until the collector acknowledges them (survives restarts). */
  bufferDir: string;
  intervalMs: number;
  maxWindows?: number;
  maxBytes?: number;
}

/**
 * What a user writes (config file, flags, or a programmatic call): flat keys, everything optional
 * except a model source. Validated and defaulted by resolveConfig.
 */
export interface SidecarConfigInput {
  name?: string;
  modelVersion?: string;
  pipeline?: string;
  stage?: string;
  variant?: string;
  upstreamStages?: string[] | string;
  host?: string;
  port?: number;
  model?: string;
  upstream?: string;
  protocol?: string;
  json?: Partial<JsonProtocolConfig>;
  baseline?: string;
  collector?: string;
  collectorToken?: string;
  features?: (string | { name: string; type?: string })[];
  extractors?: ExtractorConfig[];
  push?: Partial<PushConfig>;
  limits?: Partial<Limits>;
  /** Candidate variants: `{name, model | upstream, protocol?, json?, modelVersion?}`. */
  variants?: unknown[];
  /** `--shadow URL|FILE`: a shadow variant named `shadow`. */
  shadow?: string;
  shadowPercent?: number | string;
  /** `--canary URL|FILE`: a canary variant named `canary`. */
  canary?: string;
  canaryPercent?: number | string;
  /** Initial routing: {primary?, canary?: {variant, percent}, shadow?: {variant, percent}}. */
  routing?: Record<string, unknown>;
  stickyHeader?: string;
  automation?: string;
  rollout?: Record<string, unknown>;
  /** Tap mode instead of a model or upstream: `kserve` or `nginx`. */
  tap?: string;
  /** Tap mode nginx: UDP port of the syslog listener. */
  tapPort?: number;
  traceSampleRatio?: number;
  workers?: number;
  predictions?: PredictionLogConfigInput;
  review?: ReviewConfigInput;
  tls?: Partial<TlsConfig>;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 8 * 1024 * 1024,
  upstreamTimeoutMs: 30_000,
  lowConfidenceThreshold: 0.5,
  maxMonitoredFeatures: 100,
  tapMaxPending: 10_000,
  tapPendingTimeoutMs: 30_000,
  maxInFlight: 1024,
  maxConnections: 4096,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  featureCounters: [...FEATURE_COUNTERS],
};

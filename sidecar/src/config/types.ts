import type { FeatureType } from '@modelwatch/core';
import type { ExtractorConfig } from '../extractors/extractor-set.js';
import type { PredictionLogConfig, PredictionLogConfigInput } from '../predictions/config.js';
import type { ReviewConfig, ReviewConfigInput } from '../review/review-config.js';

/** Proxy protocols the sidecar can monitor. */
export const PROTOCOLS = ['oip', 'tfserving', 'mlflow', 'json'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

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
  /** Feature names monitored at most; the rest are ignored and counted. */
  maxMonitoredFeatures: number;
}

export type ModelSource =
  | { kind: 'embedded'; modelPath: string }
  | {
      kind: 'proxy';
      upstream: string;
      protocol: Protocol;
      /** Generic JSON protocol: the inference call's path template and JSON pointers to inputs/outputs. */
      json?: JsonProtocolConfig;
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
  /** Prediction ids and the sampled prediction log (ground truth). */
  predictions: PredictionLogConfig;
  /** Which answers are marked for a human and sent to the review queue; absent = none. */
  review?: ReviewConfig;
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
  predictions?: PredictionLogConfigInput;
  review?: ReviewConfigInput;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 8 * 1024 * 1024,
  upstreamTimeoutMs: 30_000,
  lowConfidenceThreshold: 0.5,
  maxMonitoredFeatures: 100,
};

import { ConfigError, ReviewErrors, type RetrainingReasonValue } from '@modelwatch/core';

/** Realized-performance measures a policy can watch, with their direction. */
const MEASURES = { accuracy: 'higher', macro_f1: 'higher', ece: 'lower', mae: 'lower', rmse: 'lower' } as const;
export type PolicyMeasure = keyof typeof MEASURES;

/** One model's retraining policy (config `retraining.models.<model>`; `*` applies to every other model). */
export interface RetrainingPolicyInput {
  performance?: {
    /** Default accuracy (classification) — mae/rmse for regression. */
    metric?: PolicyMeasure;
    /** The performance window to read (one of the collector's windows). Default the first. */
    window?: string;
    /** Worse than this absolute value… */
    threshold?: number;
    /** …or worse than the baseline's reference by more than this. */
    belowReferenceBy?: number;
    /** Sustained this long, e.g. '30m'. */
    for: string;
  };
  /** Any concept-drift detection (DDM, ADWIN, Page-Hinkley) starts an episode. */
  conceptDrift?: boolean;
  /** Dataset drift flagged continuously this long, e.g. '2h'. */
  datasetDriftFor?: string;
  /** Period of the training-data export the webhook links to, e.g. '7d'. Default 7d. */
  exportPeriod?: string;
}

export interface RetrainingConfigInput {
  /** Called once per episode with JSON {model, reason, evidence, export}: a CI job, an Airflow/Kubeflow/Argo endpoint. */
  webhookUrl: string;
  /** Extra headers (an auth token of the receiving system). */
  webhookHeaders?: Record<string, string>;
  /** No second call for a model within this long of the last one, e.g. '24h' (default). */
  cooldown?: string;
  /** Attempts per call (default 4) with exponential backoff from `retryDelay` (default '5s'). */
  attempts?: number;
  /** A duration ('5s') or milliseconds. */
  retryDelay?: string | number;
  /** Base URL of this collector as the receiver reaches it, for the export link. Default the listening URL. */
  publicUrl?: string;
  models: Record<string, RetrainingPolicyInput>;
}

export interface ResolvedPolicy {
  performance?: { metric: PolicyMeasure; direction: 'higher' | 'lower'; window?: string; threshold?: number; belowReferenceBy?: number; forMs: number };
  conceptDrift: boolean;
  datasetDriftForMs?: number;
  exportPeriodMs: number;
}

export interface ResolvedRetraining {
  webhookUrl: string;
  webhookHeaders: Record<string, string>;
  cooldownMs: number;
  attempts: number;
  retryDelayMs: number;
  publicUrl?: string;
  models: Record<string, ResolvedPolicy>;
}

export type TriggerReason = RetrainingReasonValue;

function fail(key: string, detail: string): never {
  throw new ConfigError(ReviewErrors.config, key, `${key}: ${detail}`);
}

function duration(text: unknown, key: string, parse: (t: string) => number | undefined): number {
  const ms = typeof text === 'string' ? parse(text) : undefined;
  if (ms === undefined) fail(key, `${JSON.stringify(text)} is not a duration like 30m, 2h or 7d`);
  return ms;
}

function resolvePolicy(p: RetrainingPolicyInput, key: string, parse: (t: string) => number | undefined): ResolvedPolicy {
  if (typeof p !== 'object' || p === null) fail(key, 'expected {performance?, conceptDrift?, datasetDriftFor?, exportPeriod?}');
  for (const k of Object.keys(p)) if (!['performance', 'conceptDrift', 'datasetDriftFor', 'exportPeriod'].includes(k)) fail(`${key}.${k}`, 'unknown key');
  const out: ResolvedPolicy = { conceptDrift: p.conceptDrift === true, exportPeriodMs: duration(p.exportPeriod ?? '7d', `${key}.exportPeriod`, parse) };
  if (p.performance !== undefined) {
    const perf = p.performance;
    const metric = perf.metric ?? 'accuracy';
    if (!(metric in MEASURES)) fail(`${key}.performance.metric`, `must be one of ${Object.keys(MEASURES).join(', ')}`);
    if (perf.threshold === undefined && perf.belowReferenceBy === undefined) fail(`${key}.performance`, 'give threshold, belowReferenceBy or both');
    for (const k of ['threshold', 'belowReferenceBy'] as const) {
      if (perf[k] !== undefined && (typeof perf[k] !== 'number' || !Number.isFinite(perf[k]))) fail(`${key}.performance.${k}`, 'must be a number');
    }
    out.performance = {
      metric,
      direction: MEASURES[metric],
      forMs: duration(perf.for, `${key}.performance.for`, parse),
      ...(perf.window !== undefined ? { window: perf.window } : {}),
      ...(perf.threshold !== undefined ? { threshold: perf.threshold } : {}),
      ...(perf.belowReferenceBy !== undefined ? { belowReferenceBy: perf.belowReferenceBy } : {}),
    };
  }
  if (p.datasetDriftFor !== undefined) out.datasetDriftForMs = duration(p.datasetDriftFor, `${key}.datasetDriftFor`, parse);
  if (!out.performance && !out.conceptDrift && out.datasetDriftForMs === undefined) fail(key, 'set at least one of performance, conceptDrift, datasetDriftFor');
  return out;
}

/** Validates `retraining` at startup (bad policies fail fast, with the key). */
export function resolveRetraining(r: RetrainingConfigInput | undefined, parse: (t: string) => number | undefined): ResolvedRetraining | undefined {
  if (r === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(r.webhookUrl);
  } catch {
    fail('retraining.webhookUrl', `${JSON.stringify(r.webhookUrl)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('retraining.webhookUrl', 'must be http(s)');
  const headers = r.webhookHeaders ?? {};
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || typeof value !== 'string' || /[\r\n]/.test(value)) fail('retraining.webhookHeaders', `header "${name}" is not a valid name and single-line value`);
  }
  const attempts = r.attempts ?? 4;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) fail('retraining.attempts', 'must be an integer from 1 to 20');
  if (typeof r.models !== 'object' || r.models === null || Object.keys(r.models).length === 0) fail('retraining.models', 'give a policy per model name (or "*")');
  const models: Record<string, ResolvedPolicy> = {};
  for (const [model, p] of Object.entries(r.models)) models[model] = resolvePolicy(p, `retraining.models.${model}`, parse);
  return {
    webhookUrl: url.href,
    webhookHeaders: headers,
    cooldownMs: duration(r.cooldown ?? '24h', 'retraining.cooldown', parse),
    attempts,
    retryDelayMs: typeof r.retryDelay === 'number' && Number.isFinite(r.retryDelay) && r.retryDelay >= 0 ? r.retryDelay : duration(r.retryDelay ?? '5s', 'retraining.retryDelay', parse),
    ...(r.publicUrl !== undefined ? { publicUrl: r.publicUrl.replace(/\/+$/, '') } : {}),
    models,
  };
}

export function policyFor(config: ResolvedRetraining, model: string): ResolvedPolicy | undefined {
  return config.models[model] ?? config.models['*'];
}

import { ConfigError, ConfigErrorCode, show } from '../config/errors.js';
import { PrivacyPolicy, type PrivacyConfig } from './privacy.js';

/**
 * The prediction log's configuration (`predictions` in the sidecar config). Without `bufferDir`
 * answers still get prediction ids, and nothing is recorded.
 */
export interface PredictionLogConfigInput {
  /** Share of answers whose id and outputs are recorded, 0 to 1. Default 1. */
  sampleOutputs?: number;
  /** Share of recorded answers whose inputs are recorded too, 0 to 1. Default 0 (inputs stay in the sidecar). */
  sampleInputs?: number;
  /** Disk buffer of record batches (store and forward); required to record. */
  bufferDir?: string;
  flushIntervalMs?: number;
  batchSize?: number;
  maxPending?: number;
  maxBatches?: number;
  maxBytes?: number;
  privacy?: PrivacyConfig;
}

export interface PredictionLogConfig {
  sampleOutputs: number;
  sampleInputs: number;
  bufferDir?: string;
  flushIntervalMs: number;
  batchSize: number;
  maxPending: number;
  maxBatches: number;
  maxBytes: number;
  privacy: PrivacyConfig;
}

const KEYS = ['sampleOutputs', 'sampleInputs', 'bufferDir', 'flushIntervalMs', 'batchSize', 'maxPending', 'maxBatches', 'maxBytes', 'privacy'];

function num(r: Record<string, unknown>, key: string, fallback: number, min: number, max: number, integer: boolean): number {
  const v = r[key];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new ConfigError(ConfigErrorCode.invalidType, `predictions.${key}`, `got ${show(v)}, expected ${integer ? 'an integer' : 'a number'}`);
  }
  if (n < min || n > max) throw new ConfigError(ConfigErrorCode.outOfRange, `predictions.${key}`, `got ${n}, expected ${min} to ${max}`);
  return n;
}

/** Validates `predictions`; recording needs a collector to ship to. Privacy rules are compiled here so a bad rule fails at startup. */
export function resolvePredictionLog(raw: unknown, hasCollector: boolean): PredictionLogConfig {
  const r = (raw ?? {}) as Record<string, unknown>;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) {
    throw new ConfigError(ConfigErrorCode.invalidType, 'predictions', `got ${show(raw)}, expected {bufferDir, sampleOutputs?, sampleInputs?, privacy?, …}`);
  }
  for (const k of Object.keys(r)) {
    if (!KEYS.includes(k)) throw new ConfigError(ConfigErrorCode.unknownKey, `predictions.${k}`, `unknown key, allowed: ${KEYS.join(', ')}`);
  }
  if (r.bufferDir !== undefined && (typeof r.bufferDir !== 'string' || r.bufferDir === '')) {
    throw new ConfigError(ConfigErrorCode.invalidType, 'predictions.bufferDir', `got ${show(r.bufferDir)}, expected a directory path`);
  }
  if (r.bufferDir !== undefined && !hasCollector) {
    throw new ConfigError(ConfigErrorCode.baselineSource, 'predictions', 'the prediction log ships records to the collector: set collector');
  }
  const privacy = (r.privacy ?? {}) as PrivacyConfig;
  if (typeof privacy !== 'object' || privacy === null || Array.isArray(privacy)) {
    throw new ConfigError(ConfigErrorCode.invalidType, 'predictions.privacy', `got ${show(r.privacy)}, expected {fields?, defaultRule?, redact?, subjectField?, secret?}`);
  }
  try {
    new PrivacyPolicy(privacy);
  } catch (err) {
    throw new ConfigError(ConfigErrorCode.notAllowed, 'predictions.privacy', (err as Error).message);
  }
  return {
    sampleOutputs: num(r, 'sampleOutputs', 1, 0, 1, false),
    sampleInputs: num(r, 'sampleInputs', 0, 0, 1, false),
    ...(typeof r.bufferDir === 'string' ? { bufferDir: r.bufferDir } : {}),
    flushIntervalMs: num(r, 'flushIntervalMs', 1000, 10, 3_600_000, true),
    batchSize: num(r, 'batchSize', 1000, 1, 10_000, true),
    maxPending: num(r, 'maxPending', 20_000, 1, 10_000_000, true),
    maxBatches: num(r, 'maxBatches', 10_000, 1, 10_000_000, true),
    maxBytes: num(r, 'maxBytes', 256 * 1024 * 1024, 1024, 1024 ** 4, true),
    privacy,
  };
}

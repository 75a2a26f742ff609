import { ConfigError, ConfigErrorCode, show } from '../config/errors.js';

/**
 * Which answers need a human (`review` in the sidecar config, `--review-below X` on the command
 * line). Any rule set turns review on; marked answers are shipped to the collector's review queue
 * through the prediction log's disk store-and-forward, so `predictions.bufferDir` is required.
 */
export interface ReviewConfigInput {
  /** Answers whose confidence is below this (0..1) go to review. */
  below?: number | string;
  /** Answers with a numeric input outside the baseline's training range go to review. */
  outOfRange?: boolean;
  /**
   * Answers whose value of a feature the collector currently flags as drifted lies in that
   * feature's training tails (outside the baseline's inner bins) go to review.
   */
  driftedFeatures?: boolean;
  /** How often the drifted features are read from the collector, in ms. Default 60000. */
  driftPollMs?: number;
  /** A numeric output carrying the model's own confidence (models that answer it as a value, not as class probabilities). */
  confidenceOutput?: string;
  /** Answers waiting to be shipped; beyond it they are still marked but not queued, and counted. */
  maxPending?: number;
}

export interface ReviewConfig {
  below?: number;
  outOfRange: boolean;
  driftedFeatures?: boolean;
  driftPollMs?: number;
  confidenceOutput?: string;
  maxPending: number;
}

const KEYS = ['below', 'outOfRange', 'driftedFeatures', 'driftPollMs', 'confidenceOutput', 'maxPending'];

/** Validates `review`; undefined when no rule is set (no answer is ever marked). */
export function resolveReview(raw: unknown, predictionsBufferDir: string | undefined): ReviewConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(ConfigErrorCode.invalidType, 'review', `got ${show(raw)}, expected {below?, outOfRange?, confidenceOutput?, maxPending?}`);
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!KEYS.includes(k)) throw new ConfigError(ConfigErrorCode.unknownKey, `review.${k}`, `unknown key, allowed: ${KEYS.join(', ')}`);
  }
  let below: number | undefined;
  if (r.below !== undefined) {
    below = typeof r.below === 'string' && r.below.trim() !== '' ? Number(r.below) : (r.below as number);
    if (typeof below !== 'number' || !Number.isFinite(below)) throw new ConfigError(ConfigErrorCode.invalidType, 'review.below', `got ${show(r.below)}, expected a number from 0 to 1`);
    if (below <= 0 || below > 1) throw new ConfigError(ConfigErrorCode.outOfRange, 'review.below', `got ${below}, expected more than 0 and at most 1`);
  }
  if (r.outOfRange !== undefined && typeof r.outOfRange !== 'boolean') {
    throw new ConfigError(ConfigErrorCode.invalidType, 'review.outOfRange', `got ${show(r.outOfRange)}, expected true or false`);
  }
  if (r.driftedFeatures !== undefined && typeof r.driftedFeatures !== 'boolean') {
    throw new ConfigError(ConfigErrorCode.invalidType, 'review.driftedFeatures', `got ${show(r.driftedFeatures)}, expected true or false`);
  }
  const driftPollMs = r.driftPollMs === undefined ? undefined : Number(r.driftPollMs);
  if (driftPollMs !== undefined && (!Number.isInteger(driftPollMs) || driftPollMs < 100 || driftPollMs > 86_400_000)) {
    throw new ConfigError(ConfigErrorCode.outOfRange, 'review.driftPollMs', `got ${show(r.driftPollMs)}, expected an integer from 100 to 86400000`);
  }
  if (r.confidenceOutput !== undefined && (typeof r.confidenceOutput !== 'string' || r.confidenceOutput === '')) {
    throw new ConfigError(ConfigErrorCode.invalidType, 'review.confidenceOutput', `got ${show(r.confidenceOutput)}, expected an output name`);
  }
  const maxPending = r.maxPending === undefined ? 10_000 : Number(r.maxPending);
  if (!Number.isInteger(maxPending) || maxPending < 1 || maxPending > 1_000_000) {
    throw new ConfigError(ConfigErrorCode.outOfRange, 'review.maxPending', `got ${show(r.maxPending)}, expected an integer from 1 to 1,000,000`);
  }
  const outOfRange = r.outOfRange === true;
  const driftedFeatures = r.driftedFeatures === true;
  if (below === undefined && !outOfRange && !driftedFeatures) return undefined;
  if (predictionsBufferDir === undefined) {
    throw new ConfigError(ConfigErrorCode.notAllowed, 'review', 'marked answers are shipped to the collector through the prediction log: set predictions.bufferDir (and collector)');
  }
  return {
    ...(below !== undefined ? { below } : {}),
    outOfRange,
    ...(driftedFeatures ? { driftedFeatures } : {}),
    ...(driftPollMs !== undefined ? { driftPollMs } : {}),
    ...(typeof r.confidenceOutput === 'string' ? { confidenceOutput: r.confidenceOutput } : {}),
    maxPending,
  };
}

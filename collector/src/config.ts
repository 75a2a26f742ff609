/**
 * Collector options and their validation. Bad configuration fails fast at startup with a coded
 * message saying what is wrong and what would be valid (never a surprise at the first evaluation).
 */
import { EVENT_NAME, parseDriftOptions, type DriftOptions } from '@modelwatch/core';

export interface CollectorOptions {
  /** TCP port; 0 picks an ephemeral one. Default 9400. */
  port?: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** SQLite file path, or ':memory:' for the in-memory store. Default `modelwatch.db`. */
  db?: string;
  /** PostgreSQL connection string; when set it wins over `db` (env DATABASE_URL in the CLI). */
  databaseUrl?: string;
  /** Bearer token required on writes; unset = writes are open (env MODELWATCH_TOKEN in the CLI). */
  token?: string;
  /** Prometheus (or Thanos/Mimir) HTTP API base URL; unset = pushed windows only. */
  prometheusUrl?: string;
  /** Extra headers on every query, e.g. `{ 'X-Scope-OrgID': 'team-a' }` for a multi-tenant Mimir. */
  prometheusHeaders?: Record<string, string>;
  /** Live windows evaluated every interval, e.g. ['15m', '1h', '1d']. */
  windows?: string[];
  /** Evaluation interval, e.g. '1m'. */
  evaluateEvery?: string;
  /** Largest request body accepted, in bytes (413 above). Default 32 MiB. */
  maxBodyBytes?: number;
  /** Drift engine options (thresholds, methods, dataset drift share…), validated at startup. */
  drift?: Record<string, unknown>;
  /** Prometheus query timeout in ms. Default 10 s. */
  queryTimeoutMs?: number;
  /** Drift reports kept per model and window in the store (oldest dropped). Default 1,440: a day at 1m. */
  historyKeep?: number;
  /** How long prediction records (and their labels and signals) are kept, e.g. '30d'. Default 30d. */
  predictionRetention?: string;
  /** User-signal names the feedback API accepts (they become the `event` label). */
  feedbackEvents?: string[];
  /** Review queue: bound per model, what a full queue does, how long a claim holds an item. */
  review?: ReviewQueueConfig;
}

export interface ReviewQueueConfig {
  /** Pending items per model. Default 10,000. */
  maxPending?: number;
  /** `drop-oldest` (default; dropped items counted) or `refuse-new` (503 to the sidecar, which retries). */
  overflow?: 'drop-oldest' | 'refuse-new';
  /** Claim lease, e.g. '5m' (default). */
  claimTtl?: string;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  db: string;
  databaseUrl?: string;
  token?: string;
  prometheusUrl?: string;
  prometheusHeaders: Record<string, string>;
  windows: { label: string; ms: number }[];
  evaluateEveryMs: number;
  maxBodyBytes: number;
  drift: DriftOptions;
  queryTimeoutMs: number;
  historyKeep: number;
  predictionRetentionMs: number;
  feedbackEvents: string[];
  review: { maxPending: number; overflow: 'drop-oldest' | 'refuse-new'; claimTtlMs: number };
}

/** User signals accepted when none are configured. */
export const DEFAULT_FEEDBACK_EVENTS = ['redo', 'switch_to_typing', 'click', 'conversion'];
/** Bound on configured user signals: each one is a label value on the event-rate series. */
const MAX_FEEDBACK_EVENTS = 32;

export class ConfigError extends Error {
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'ConfigError';
  }
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a Prometheus-style duration (`30s`, `15m`, `1h`, `1d`, `1w`) into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  return ms > 0 ? ms : undefined;
}

export function resolveOptions(o: CollectorOptions = {}): ResolvedOptions {
  const port = o.port ?? 9400;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('MW_COLLECTOR_PORT', `port ${port} is not an integer between 0 and 65535`);
  }
  const windowsText = o.windows ?? ['15m', '1h', '1d'];
  if (windowsText.length === 0 || windowsText.length > 16) {
    throw new ConfigError('MW_COLLECTOR_WINDOWS', 'give between 1 and 16 windows, e.g. 15m,1h,1d');
  }
  const windows = windowsText.map((label) => {
    const ms = parseDuration(label);
    if (ms === undefined) {
      throw new ConfigError('MW_COLLECTOR_WINDOWS', `window "${label}" is not a duration like 30s, 15m, 1h, 1d`);
    }
    return { label, ms };
  });
  if (new Set(windowsText).size !== windowsText.length) {
    throw new ConfigError('MW_COLLECTOR_WINDOWS', `windows ${windowsText.join(',')} contain a duplicate`);
  }
  const everyText = o.evaluateEvery ?? '1m';
  const evaluateEveryMs = parseDuration(everyText);
  if (evaluateEveryMs === undefined) {
    throw new ConfigError('MW_COLLECTOR_INTERVAL', `interval "${everyText}" is not a duration like 30s or 1m`);
  }
  const maxBodyBytes = o.maxBodyBytes ?? 32 * 1024 * 1024;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new ConfigError('MW_COLLECTOR_MAX_BODY', `maxBodyBytes ${maxBodyBytes} must be a positive integer`);
  }
  let prometheusUrl = o.prometheusUrl;
  if (prometheusUrl !== undefined) {
    try {
      const u = new URL(prometheusUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    } catch {
      throw new ConfigError('MW_COLLECTOR_PROMETHEUS_URL', `"${prometheusUrl}" is not an http(s) URL`);
    }
    prometheusUrl = prometheusUrl.replace(/\/+$/, '');
  }
  const prometheusHeaders = o.prometheusHeaders ?? {};
  for (const [name, value] of Object.entries(prometheusHeaders)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || /[\r\n]/.test(value)) {
      throw new ConfigError('MW_COLLECTOR_PROMETHEUS_HEADER', `header "${name}" is not a valid HTTP header name and single-line value`);
    }
  }
  const historyKeep = o.historyKeep ?? 1_440;
  if (!Number.isInteger(historyKeep) || historyKeep < 1) {
    throw new ConfigError('MW_COLLECTOR_HISTORY', `historyKeep ${historyKeep} must be a positive integer`);
  }
  if (o.token !== undefined && o.token.length === 0) {
    throw new ConfigError('MW_COLLECTOR_TOKEN', 'the token is empty; omit it to leave writes open');
  }
  const retentionText = o.predictionRetention ?? '30d';
  const predictionRetentionMs = parseDuration(retentionText);
  if (predictionRetentionMs === undefined) {
    throw new ConfigError('MW_COLLECTOR_RETENTION', `prediction retention "${retentionText}" is not a duration like 7d or 12h`);
  }
  const feedbackEvents = o.feedbackEvents ?? DEFAULT_FEEDBACK_EVENTS;
  if (feedbackEvents.length > MAX_FEEDBACK_EVENTS || new Set(feedbackEvents).size !== feedbackEvents.length) {
    throw new ConfigError('MW_COLLECTOR_EVENTS', `give at most ${MAX_FEEDBACK_EVENTS} distinct user-signal names`);
  }
  for (const e of feedbackEvents) {
    if (!EVENT_NAME.test(e)) throw new ConfigError('MW_COLLECTOR_EVENTS', `user-signal name "${e}" must be lowercase letters, digits and _ (e.g. redo)`);
  }
  let drift: DriftOptions;
  try {
    drift = parseDriftOptions(o.drift ?? {});
  } catch (err) {
    throw new ConfigError('MW_COLLECTOR_DRIFT', `drift options: ${(err as Error).message}`);
  }
  const review = resolveReview(o.review ?? {});
  return {
    review,
    port,
    host: o.host ?? '127.0.0.1',
    db: o.db ?? 'modelwatch.db',
    databaseUrl: o.databaseUrl,
    token: o.token,
    prometheusUrl,
    prometheusHeaders,
    windows,
    evaluateEveryMs,
    maxBodyBytes,
    drift,
    queryTimeoutMs: o.queryTimeoutMs ?? 10_000,
    historyKeep,
    predictionRetentionMs,
    feedbackEvents,
  };
}

function resolveReview(r: ReviewQueueConfig): ResolvedOptions['review'] {
  const maxPending = r.maxPending ?? 10_000;
  if (!Number.isInteger(maxPending) || maxPending < 1 || maxPending > 10_000_000) {
    throw new ConfigError('MW_COLLECTOR_REVIEW', `review.maxPending ${maxPending} must be an integer from 1 to 10,000,000`);
  }
  const overflow = r.overflow ?? 'drop-oldest';
  if (overflow !== 'drop-oldest' && overflow !== 'refuse-new') {
    throw new ConfigError('MW_COLLECTOR_REVIEW', `review.overflow "${String(overflow)}" must be drop-oldest or refuse-new`);
  }
  const ttlText = r.claimTtl ?? '5m';
  const claimTtlMs = parseDuration(ttlText);
  if (claimTtlMs === undefined) throw new ConfigError('MW_COLLECTOR_REVIEW', `review.claimTtl "${ttlText}" is not a duration like 30s or 5m`);
  return { maxPending, overflow, claimTtlMs };
}

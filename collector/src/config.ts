/**
 * Collector options and their validation. Bad configuration fails fast at startup with a coded
 * message saying what is wrong and what would be valid (never a surprise at the first evaluation).
 */
import { parseDriftOptions, type DriftOptions } from '@modelwatch/core';

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
  /** The same as a duration (`30s`); wins over queryTimeoutMs (the CLI's --query-timeout). */
  queryTimeout?: string;
  /** Read windows from the raw sidecar series or the shipped cross-replica recording rules. Default raw. */
  windowsFrom?: 'raw' | 'recorded';
  /** Models evaluated at once. Default 4. */
  modelConcurrency?: number;
  /** Longest a round may run before the models not yet evaluated are skipped, e.g. '45s'. Default: the interval. */
  roundBudget?: string;
  /** Features per per-feature window query (0 = all in one; too-large answers are split anyway). Default 0. */
  featuresPerQuery?: number;
  /**
   * PostgreSQL only: how long a model's lease outlives its collector. Several collectors on one
   * database share the models through these leases; a dead collector's models are free after
   * this long. Default: half the interval, at least 5s.
   */
  leaseTtl?: string;
  /** Drift reports kept per model and window in the store (oldest dropped). Default 1,440: a day at 1m. */
  historyKeep?: number;
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
  windowsFrom: 'raw' | 'recorded';
  modelConcurrency: number;
  roundBudgetMs: number;
  featuresPerQuery: number;
  leaseTtlMs: number;
}

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
  let queryTimeoutMs = o.queryTimeoutMs ?? 10_000;
  if (o.queryTimeout !== undefined) {
    const ms = parseDuration(o.queryTimeout);
    if (ms === undefined) throw new ConfigError('MW_COLLECTOR_QUERY_TIMEOUT', `query timeout "${o.queryTimeout}" is not a duration like 10s or 2m`);
    queryTimeoutMs = ms;
  }
  if (!Number.isInteger(queryTimeoutMs) || queryTimeoutMs < 100) {
    throw new ConfigError('MW_COLLECTOR_QUERY_TIMEOUT', `query timeout ${queryTimeoutMs} ms must be an integer of at least 100 ms`);
  }
  const windowsFrom = o.windowsFrom ?? 'raw';
  if (windowsFrom !== 'raw' && windowsFrom !== 'recorded') {
    throw new ConfigError('MW_COLLECTOR_WINDOWS_FROM', `windows-from "${String(windowsFrom)}" must be raw or recorded`);
  }
  const modelConcurrency = o.modelConcurrency ?? 4;
  if (!Number.isInteger(modelConcurrency) || modelConcurrency < 1 || modelConcurrency > 64) {
    throw new ConfigError('MW_COLLECTOR_CONCURRENCY', `model concurrency ${modelConcurrency} must be an integer from 1 to 64`);
  }
  let roundBudgetMs = evaluateEveryMs;
  if (o.roundBudget !== undefined) {
    const ms = parseDuration(o.roundBudget);
    if (ms === undefined) throw new ConfigError('MW_COLLECTOR_ROUND_BUDGET', `round budget "${o.roundBudget}" is not a duration like 45s`);
    roundBudgetMs = ms;
  }
  const featuresPerQuery = o.featuresPerQuery ?? 0;
  if (!Number.isInteger(featuresPerQuery) || featuresPerQuery < 0) {
    throw new ConfigError('MW_COLLECTOR_FEATURES_PER_QUERY', `features per query ${featuresPerQuery} must be a non-negative integer (0 = all)`);
  }
  let leaseTtlMs = Math.max(5_000, Math.floor(evaluateEveryMs / 2));
  if (o.leaseTtl !== undefined) {
    const ms = parseDuration(o.leaseTtl);
    if (ms === undefined || ms < 1_000) throw new ConfigError('MW_COLLECTOR_LEASE_TTL', `lease TTL "${o.leaseTtl}" is not a duration of at least 1s`);
    leaseTtlMs = ms;
  }
  let drift: DriftOptions;
  try {
    drift = parseDriftOptions(o.drift ?? {});
  } catch (err) {
    throw new ConfigError('MW_COLLECTOR_DRIFT', `drift options: ${(err as Error).message}`);
  }
  return {
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
    queryTimeoutMs,
    historyKeep,
    windowsFrom,
    modelConcurrency,
    roundBudgetMs,
    featuresPerQuery,
    leaseTtlMs,
  };
}

/**
 * Collector options and their validation. Bad configuration fails fast at startup with a coded
 * message saying what is wrong and what would be valid (never a surprise at the first evaluation).
 */
import { readFileSync } from 'node:fs';
import { resolveRetraining, type ResolvedRetraining, type RetrainingConfigInput } from './retraining/policy.js';
import { ConfigError, ConfigErrors, EVENT_NAME, FeedbackErrors, parseDriftOptions, readTlsFiles, ReviewErrors, type DriftOptions, type ErrorSpec, type TlsFiles } from '@modelwatch/core';
import { SCOPES, TokenTable, type Scope, type TokenSpec } from './api/auth.js';
import { resolveDetectorParams, type DetectorParams, type DetectorParamsInput } from './performance/detector-params.js';

export { ConfigError };

export interface CollectorOptions {
  /** TCP port; 0 picks an ephemeral one. Default 9400. */
  port?: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** SQLite file path, or ':memory:' for the in-memory store. Default `modelwatch.db`. */
  db?: string;
  /** PostgreSQL connection string; when set it wins over `db` (env DATABASE_URL in the CLI). */
  databaseUrl?: string;
  /** An admin bearer token (env MODELWATCH_TOKEN in the CLI); writes need it, reads stay open. */
  token?: string;
  /** Scoped tokens `{name, token, scopes}` (see TokenTable for the policy); combined with `token`. */
  tokens?: unknown;
  /** A JSON file holding the list of scoped tokens (the CLI's `--tokens FILE`). */
  tokensFile?: string;
  /** PEM certificate and key: serve HTTPS instead of HTTP (both or neither; reloaded on SIGHUP by the CLI). */
  tlsCert?: string;
  tlsKey?: string;
  /** PEM CA bundle: API calls must then present a client certificate signed by it (health checks excepted). */
  tlsClientCa?: string;
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
  /** How long prediction records (and their labels and signals) are kept, e.g. '30d'. Default 30d. */
  predictionRetention?: string;
  /** User-signal names the feedback API accepts (they become the `event` label). */
  feedbackEvents?: string[];
  /**
   * Labels that arrive before their prediction record (records ship asynchronously) are held for
   * `grace` (default 1h) and joined when the record comes; at most `max` per model (default
   * 100,000; 0 turns holding off: such labels are answered unknown_id).
   */
  pendingLabels?: { max?: number; grace?: string };
  /**
   * Concept-drift detector parameters, any subset, e.g. `{"ddm": {"warmStart": 100},
   * "page_hinkley": {"threshold": 25}}`; unset ones keep River's defaults.
   */
  conceptDrift?: DetectorParamsInput;
  /** Review queue: bound per model, what a full queue does, how long a claim holds an item. */
  review?: ReviewQueueConfig;
  /** Retraining policy per model and the webhook it calls (collector/src/retraining/policy.ts); unset = no automatic trigger. */
  retraining?: RetrainingConfigInput;
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
  /** Every accepted token, with the single admin `token` included. */
  tokens: TokenTable;
  /** Certificate files, checked at startup; undefined = plain HTTP. */
  tls?: TlsFiles;
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
  pendingLabels: { max: number; graceMs: number };
  conceptDrift: DetectorParams;
  review: { maxPending: number; overflow: 'drop-oldest' | 'refuse-new'; claimTtlMs: number };
  retraining?: ResolvedRetraining;
  windowsFrom: 'raw' | 'recorded';
  modelConcurrency: number;
  roundBudgetMs: number;
  featuresPerQuery: number;
  leaseTtlMs: number;
}

/** User signals accepted when none are configured. */
export const DEFAULT_FEEDBACK_EVENTS = ['redo', 'switch_to_typing', 'click', 'conversion'];
/** Bound on configured user signals: each one is a label value on the event-rate series. */
const MAX_FEEDBACK_EVENTS = 32;

function fail(spec: ErrorSpec, key: string, detail: string): never {
  throw new ConfigError(spec, key, detail);
}

const TOKEN_KEYS = new Set(['name', 'token', 'scopes']);
/** Shorter tokens are guessable; 16 characters is the floor for a shared secret. */
const MIN_TOKEN_LENGTH = 16;

/**
 * Validates a list of `{name, token, scopes}`: names and tokens unique, tokens at least 16
 * characters, scopes from reader, writer, labeller, admin. Messages never repeat a token.
 */
export function parseTokens(raw: unknown, where = 'tokens'): TokenSpec[] {
  const bad = (detail: string): never => fail(ConfigErrors.collectorTokens, where, `${where}: ${detail}`);
  if (!Array.isArray(raw)) bad('expected a JSON list of {"name", "token", "scopes"}');
  const list = raw as unknown[];
  if (list.length > 1000) bad(`${list.length} tokens; at most 1000`);
  const names = new Set<string>();
  const secrets = new Set<string>();
  return list.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) bad(`entry ${i} is not an object`);
    const e = item as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!TOKEN_KEYS.has(k)) bad(`entry ${i}: unknown key "${k.slice(0, 40)}", allowed: name, token, scopes`);
    if (typeof e.name !== 'string' || !/^[A-Za-z0-9_.:@-]{1,64}$/.test(e.name)) bad(`entry ${i}: name must be 1-64 of A-Z a-z 0-9 _ . : @ -`);
    const name = e.name as string;
    if (names.has(name)) bad(`entry ${i}: name "${name}" is used twice`);
    names.add(name);
    if (typeof e.token !== 'string' || e.token.length < MIN_TOKEN_LENGTH || /\s/.test(e.token)) {
      bad(`token "${name}" must be a string of at least ${MIN_TOKEN_LENGTH} characters without spaces`);
    }
    const token = e.token as string;
    if (secrets.has(token)) bad(`token "${name}" repeats the secret of another entry`);
    secrets.add(token);
    if (!Array.isArray(e.scopes) || e.scopes.length === 0 || e.scopes.some((s) => !SCOPES.includes(s as Scope))) {
      bad(`token "${name}": scopes must be a non-empty list of ${SCOPES.join(', ')}`);
    }
    return { name, token, scopes: [...new Set(e.scopes as Scope[])] };
  });
}

function readTokensFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return fail(ConfigErrors.collectorTokens, 'tokensFile', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    return fail(ConfigErrors.collectorTokens, 'tokensFile', `${path} is not JSON: ${(err as Error).message.slice(0, 120)}`);
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
    fail(ConfigErrors.collectorPort, 'port', `port ${port} is not an integer between 0 and 65535`);
  }
  const windowsText = o.windows ?? ['15m', '1h', '1d'];
  if (windowsText.length === 0 || windowsText.length > 16) {
    fail(ConfigErrors.collectorWindows, 'windows', 'give between 1 and 16 windows, e.g. 15m,1h,1d');
  }
  const windows = windowsText.map((label) => {
    const ms = parseDuration(label);
    if (ms === undefined) {
      fail(ConfigErrors.collectorWindows, 'windows', `window "${label}" is not a duration like 30s, 15m, 1h, 1d`);
    }
    return { label, ms };
  });
  if (new Set(windowsText).size !== windowsText.length) {
    fail(ConfigErrors.collectorWindows, 'windows', `windows ${windowsText.join(',')} contain a duplicate`);
  }
  const everyText = o.evaluateEvery ?? '1m';
  const evaluateEveryMs = parseDuration(everyText);
  if (evaluateEveryMs === undefined) {
    fail(ConfigErrors.collectorInterval, 'evaluateEvery', `interval "${everyText}" is not a duration like 30s or 1m`);
  }
  const maxBodyBytes = o.maxBodyBytes ?? 32 * 1024 * 1024;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    fail(ConfigErrors.collectorMaxBody, 'maxBodyBytes', `maxBodyBytes ${maxBodyBytes} must be a positive integer`);
  }
  let prometheusUrl = o.prometheusUrl;
  if (prometheusUrl !== undefined) {
    try {
      const u = new URL(prometheusUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    } catch {
      fail(ConfigErrors.collectorPrometheusUrl, 'prometheusUrl', `"${prometheusUrl}" is not an http(s) URL`);
    }
    prometheusUrl = prometheusUrl.replace(/\/+$/, '');
  }
  const prometheusHeaders = o.prometheusHeaders ?? {};
  for (const [name, value] of Object.entries(prometheusHeaders)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || /[\r\n]/.test(value)) {
      fail(ConfigErrors.collectorPrometheusHeader, 'prometheusHeaders', `header "${name}" is not a valid HTTP header name and single-line value`);
    }
  }
  const historyKeep = o.historyKeep ?? 1_440;
  if (!Number.isInteger(historyKeep) || historyKeep < 1) {
    fail(ConfigErrors.collectorHistory, 'historyKeep', `historyKeep ${historyKeep} must be a positive integer`);
  }
  if (o.token !== undefined && o.token.length === 0) {
    fail(ConfigErrors.collectorToken, 'token', 'the token is empty; omit it to leave writes open');
  }
  let queryTimeoutMs = o.queryTimeoutMs ?? 10_000;
  if (o.queryTimeout !== undefined) {
    const ms = parseDuration(o.queryTimeout);
    if (ms === undefined) fail(ConfigErrors.collectorQueryTimeout, 'queryTimeout', `query timeout "${o.queryTimeout}" is not a duration like 10s or 2m`);
    queryTimeoutMs = ms;
  }
  if (!Number.isInteger(queryTimeoutMs) || queryTimeoutMs < 100) {
    fail(ConfigErrors.collectorQueryTimeout, 'queryTimeout', `query timeout ${queryTimeoutMs} ms must be an integer of at least 100 ms`);
  }
  const windowsFrom = o.windowsFrom ?? 'raw';
  if (windowsFrom !== 'raw' && windowsFrom !== 'recorded') {
    fail(ConfigErrors.collectorWindowsFrom, 'windowsFrom', `windows-from "${String(windowsFrom)}" must be raw or recorded`);
  }
  const modelConcurrency = o.modelConcurrency ?? 4;
  if (!Number.isInteger(modelConcurrency) || modelConcurrency < 1 || modelConcurrency > 64) {
    fail(ConfigErrors.collectorConcurrency, 'modelConcurrency', `model concurrency ${modelConcurrency} must be an integer from 1 to 64`);
  }
  let roundBudgetMs = evaluateEveryMs;
  if (o.roundBudget !== undefined) {
    const ms = parseDuration(o.roundBudget);
    if (ms === undefined) fail(ConfigErrors.collectorRoundBudget, 'roundBudget', `round budget "${o.roundBudget}" is not a duration like 45s`);
    roundBudgetMs = ms;
  }
  const featuresPerQuery = o.featuresPerQuery ?? 0;
  if (!Number.isInteger(featuresPerQuery) || featuresPerQuery < 0) {
    fail(ConfigErrors.collectorFeaturesPerQuery, 'featuresPerQuery', `features per query ${featuresPerQuery} must be a non-negative integer (0 = all)`);
  }
  let leaseTtlMs = Math.max(5_000, Math.floor(evaluateEveryMs / 2));
  if (o.leaseTtl !== undefined) {
    const ms = parseDuration(o.leaseTtl);
    if (ms === undefined || ms < 1_000) fail(ConfigErrors.collectorLeaseTtl, 'leaseTtl', `lease TTL "${o.leaseTtl}" is not a duration of at least 1s`);
    leaseTtlMs = ms;
  }
  const specs = o.tokens === undefined ? [] : parseTokens(o.tokens);
  if (o.tokensFile !== undefined) specs.push(...parseTokens(readTokensFile(o.tokensFile), o.tokensFile));
  if (o.token !== undefined) specs.push({ name: 'admin', token: o.token, scopes: ['admin'] });
  if (new Set(specs.map((t) => t.name)).size !== specs.length) {
    fail(ConfigErrors.collectorTokens, 'tokens', 'token names must be unique across --token (named "admin") and --tokens');
  }
  const tokens = new TokenTable(specs);
  const retentionText = o.predictionRetention ?? '30d';
  const predictionRetentionMs = parseDuration(retentionText);
  if (predictionRetentionMs === undefined) {
    fail(FeedbackErrors.retentionConfig, 'predictionRetention', `prediction retention "${retentionText}" is not a duration like 7d or 12h`);
  }
  const feedbackEvents = o.feedbackEvents ?? DEFAULT_FEEDBACK_EVENTS;
  if (feedbackEvents.length > MAX_FEEDBACK_EVENTS || new Set(feedbackEvents).size !== feedbackEvents.length) {
    fail(FeedbackErrors.eventsConfig, 'feedbackEvents', `give at most ${MAX_FEEDBACK_EVENTS} distinct user-signal names`);
  }
  for (const e of feedbackEvents) {
    if (!EVENT_NAME.test(e)) fail(FeedbackErrors.eventsConfig, 'feedbackEvents', `user-signal name "${e}" must be lowercase letters, digits and _ (e.g. redo)`);
  }
  const pendingLabels = resolvePendingLabels(o.pendingLabels ?? {});
  let conceptDrift: DetectorParams;
  try {
    conceptDrift = resolveDetectorParams(o.conceptDrift ?? {});
  } catch (err) {
    fail(ConfigErrors.collectorConceptDrift, 'conceptDrift', `concept-drift detector parameters: ${(err as Error).message}`);
  }
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
    fail(ConfigErrors.collectorTls, 'tls', 'give both --tls-cert and --tls-key, or neither');
  }
  if (o.tlsClientCa !== undefined && o.tlsCert === undefined) {
    fail(ConfigErrors.collectorTls, 'tls', '--tls-client-ca needs --tls-cert and --tls-key: client certificates are only asked for over HTTPS');
  }
  let tls: TlsFiles | undefined;
  if (o.tlsCert !== undefined && o.tlsKey !== undefined) {
    tls = { cert: o.tlsCert, key: o.tlsKey, ...(o.tlsClientCa !== undefined ? { ca: o.tlsClientCa } : {}) };
    readTlsFiles(tls, 'tls'); // fails fast on unreadable or mismatched files
  }
  let drift: DriftOptions;
  try {
    drift = parseDriftOptions(o.drift ?? {});
  } catch (err) {
    fail(ConfigErrors.collectorDrift, 'drift', `drift options: ${(err as Error).message}`);
  }
  const review = resolveReview(o.review ?? {});
  const retraining = resolveRetraining(o.retraining, parseDuration);
  return {
    review,
    ...(retraining ? { retraining } : {}),
    port,
    host: o.host ?? '127.0.0.1',
    db: o.db ?? 'modelwatch.db',
    databaseUrl: o.databaseUrl,
    token: o.token,
    tokens,
    ...(tls ? { tls } : {}),
    prometheusUrl,
    prometheusHeaders,
    windows,
    evaluateEveryMs,
    maxBodyBytes,
    drift,
    queryTimeoutMs,
    historyKeep,
    predictionRetentionMs,
    feedbackEvents,
    pendingLabels,
    conceptDrift,
    windowsFrom,
    modelConcurrency,
    roundBudgetMs,
    featuresPerQuery,
    leaseTtlMs,
  };
}

/** Held labels per model: enough for minutes of traffic whose records are late, bounded in memory and disk. */
const MAX_PENDING_LABELS = 10_000_000;

function resolvePendingLabels(p: { max?: number; grace?: string }): ResolvedOptions['pendingLabels'] {
  const max = p.max ?? 100_000;
  if (!Number.isInteger(max) || max < 0 || max > MAX_PENDING_LABELS) {
    fail(FeedbackErrors.pendingConfig, 'pendingLabels.max', `pendingLabels.max ${max} must be an integer from 0 (off) to ${MAX_PENDING_LABELS.toLocaleString('en')}`);
  }
  const graceText = p.grace ?? '1h';
  const graceMs = parseDuration(graceText);
  if (graceMs === undefined || graceMs < 1_000) {
    fail(FeedbackErrors.pendingConfig, 'pendingLabels.grace', `pendingLabels.grace "${graceText}" is not a duration of at least 1s like 15m or 1h`);
  }
  return { max, graceMs };
}

function resolveReview(r: ReviewQueueConfig): ResolvedOptions['review'] {
  const maxPending = r.maxPending ?? 10_000;
  if (!Number.isInteger(maxPending) || maxPending < 1 || maxPending > 10_000_000) {
    fail(ReviewErrors.config, 'review.maxPending', `review.maxPending ${maxPending} must be an integer from 1 to 10,000,000`);
  }
  const overflow = r.overflow ?? 'drop-oldest';
  if (overflow !== 'drop-oldest' && overflow !== 'refuse-new') {
    fail(ReviewErrors.config, 'review.overflow', `review.overflow "${String(overflow)}" must be drop-oldest or refuse-new`);
  }
  const ttlText = r.claimTtl ?? '5m';
  const claimTtlMs = parseDuration(ttlText);
  if (claimTtlMs === undefined) fail(ReviewErrors.config, 'review.claimTtl', `review.claimTtl "${ttlText}" is not a duration like 30s or 5m`);
  return { maxPending, overflow, claimTtlMs };
}

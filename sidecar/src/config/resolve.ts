import { FEATURE_COUNTERS, type FeatureCounter } from '@modelwatch/core';
import { createExtractorSet, type ExtractorConfig } from '../extractors/extractor-set.js';
import { resolvePredictionLog } from '../predictions/config.js';
import { resolveReview } from '../review/review-config.js';
import { ConfigError, ConfigErrorCode, show, type ConfigErrorCodeValue } from './errors.js';
import { resolveRollout } from './rollout.js';
import {
  DEFAULT_LIMITS,
  PROTOCOLS,
  TAP_FORMATS,
  type TapFormat,
  type DeclaredFeature,
  type Limits,
  type PushConfig,
  type Protocol,
  type SidecarConfig,
  type SidecarConfigInput,
  type TlsConfig,
} from './types.js';

const TOP_KEYS = new Set([
  'name', 'modelVersion', 'pipeline', 'stage', 'variant', 'upstreamStages', 'host', 'port', 'model',
  'upstream', 'protocol', 'json', 'baseline', 'collector', 'collectorToken', 'features', 'extractors', 'push', 'limits', 'tls',
  // rollouts (config/rollout.ts)
  'variants', 'shadow', 'shadowPercent', 'canary', 'canaryPercent', 'routing', 'stickyHeader', 'automation', 'rollout',
  'tap', 'tapPort', 'traceSampleRatio', 'workers',
  'predictions', 'review',
]);
const TLS_KEYS = ['cert', 'key', 'upstreamCa', 'collectorCa'] as const;
const LIMIT_KEYS = new Set(Object.keys(DEFAULT_LIMITS));
/** Label values come from config, so they are kept to a safe, bounded alphabet. */
const LABEL_VALUE = /^[A-Za-z0-9_.:\-/]{1,128}$/;

function fail(code: ConfigErrorCodeValue, key: string, message: string): never {
  throw new ConfigError(code, key, message);
}

function optString(input: Record<string, unknown>, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v.length === 0) fail(ConfigErrorCode.invalidType, key, `got ${show(v)}, expected a non-empty string`);
  return v;
}

function labelValue(input: Record<string, unknown>, key: string, fallback: string): string {
  const v = optString(input, key) ?? fallback;
  if (!LABEL_VALUE.test(v)) {
    fail(ConfigErrorCode.notAllowed, key, `got ${show(v)}, expected 1-128 characters from [A-Za-z0-9_.:-/]`);
  }
  return v;
}

function number(value: unknown, key: string, min: number, max: number, integer: boolean): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    fail(ConfigErrorCode.invalidType, key, `got ${show(value)}, expected ${integer ? 'an integer' : 'a number'}`);
  }
  if (n < min || n > max) fail(ConfigErrorCode.outOfRange, key, `got ${n}, expected ${min} to ${max}`);
  return n;
}

function httpUrl(value: string, key: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(ConfigErrorCode.invalidType, key, `got ${show(value)}, expected an http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(ConfigErrorCode.notAllowed, key, `got ${show(value)}, expected an http:// or https:// URL`);
  }
  return value.replace(/\/+$/, '');
}

function resolveLimits(raw: unknown): Limits {
  if (raw === undefined) return { ...DEFAULT_LIMITS };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail(ConfigErrorCode.invalidType, 'limits', `got ${show(raw)}, expected an object with ${[...LIMIT_KEYS].join(', ')}`);
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!LIMIT_KEYS.has(k)) fail(ConfigErrorCode.unknownKey, `limits.${k}`, `unknown key, allowed: ${[...LIMIT_KEYS].join(', ')}`);
  }
  const pick = (k: Exclude<keyof Limits, 'featureCounters'>, min: number, max: number, int: boolean) =>
    r[k] === undefined ? DEFAULT_LIMITS[k] : number(r[k], `limits.${k}`, min, max, int);
  return {
    maxBodyBytes: pick('maxBodyBytes', 1, 1024 * 1024 * 1024, true),
    upstreamTimeoutMs: pick('upstreamTimeoutMs', 1, 3_600_000, true),
    lowConfidenceThreshold: pick('lowConfidenceThreshold', 0, 1, false),
    maxMonitoredFeatures: pick('maxMonitoredFeatures', 0, 10_000, true),
    tapMaxPending: pick('tapMaxPending', 1, 1_000_000, true),
    tapPendingTimeoutMs: pick('tapPendingTimeoutMs', 10, 3_600_000, true),
    maxInFlight: pick('maxInFlight', 1, 1_000_000, true),
    maxConnections: pick('maxConnections', 1, 1_000_000, true),
    headersTimeoutMs: pick('headersTimeoutMs', 100, 3_600_000, true),
    bodyTimeoutMs: pick('bodyTimeoutMs', 100, 3_600_000, true),
    featureCounters: resolveFeatureCounters(r.featureCounters),
  };
}

/** A list (config file) or a comma-separated string (flag); empty = buckets only. */
function resolveFeatureCounters(raw: unknown): FeatureCounter[] {
  if (raw === undefined) return [...DEFAULT_LIMITS.featureCounters];
  const list = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
  const allowed = FEATURE_COUNTERS.join(', ');
  if (!Array.isArray(list)) fail(ConfigErrorCode.invalidType, 'limits.featureCounters', `got ${show(raw)}, expected a list of ${allowed}`);
  for (const c of list) {
    if (!(FEATURE_COUNTERS as readonly unknown[]).includes(c)) fail(ConfigErrorCode.notAllowed, 'limits.featureCounters', `got ${show(c)}, expected some of ${allowed}`);
  }
  return [...new Set(list as FeatureCounter[])];
}

function resolveFeatures(raw: unknown): DeclaredFeature[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail(ConfigErrorCode.invalidType, 'features', `got ${show(raw)}, expected a list of names or {name, type}`);
  return raw.map((f, i) => {
    const key = `features[${i}]`;
    const obj = typeof f === 'string' ? { name: f } : f;
    if (typeof obj !== 'object' || obj === null || typeof obj.name !== 'string' || obj.name === '') {
      fail(ConfigErrorCode.invalidType, key, `got ${show(f)}, expected a name or {name, type}`);
    }
    const type = obj.type ?? 'numeric';
    if (type !== 'numeric' && type !== 'categorical') {
      fail(ConfigErrorCode.notAllowed, `${key}.type`, `got ${show(type)}, allowed: numeric, categorical`);
    }
    return { name: obj.name, type };
  });
}

function resolveExtractors(raw: unknown): ExtractorConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.some((e) => typeof e !== 'object' || e === null || typeof e.input !== 'string')) {
    fail(ConfigErrorCode.invalidType, 'extractors', `got ${show(raw)}, expected a list of {input, kind: text|image|audio, extract?, sampleRate?}`);
  }
  try {
    // Builds the set once to validate kinds, extractor names and sample rates at startup.
    createExtractorSet(raw as ExtractorConfig[]);
  } catch (err) {
    fail(ConfigErrorCode.notAllowed, 'extractors', (err as Error).message);
  }
  return raw as ExtractorConfig[];
}

function resolvePush(raw: unknown, baseline: SidecarConfig['baseline']): PushConfig | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail(ConfigErrorCode.invalidType, 'push', `got ${show(raw)}, expected {bufferDir, intervalMs?, maxWindows?, maxBytes?}`);
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!['bufferDir', 'intervalMs', 'maxWindows', 'maxBytes'].includes(k)) fail(ConfigErrorCode.unknownKey, `push.${k}`, 'unknown key, allowed: bufferDir, intervalMs, maxWindows, maxBytes');
  }
  if (typeof r.bufferDir !== 'string' || r.bufferDir === '') fail(ConfigErrorCode.invalidType, 'push.bufferDir', `got ${show(r.bufferDir)}, expected a directory path`);
  if (baseline.kind !== 'collector') fail(ConfigErrorCode.baselineSource, 'push', 'edge push sends windows to the collector: set collector (the baseline then comes from it too)');
  return {
    bufferDir: r.bufferDir,
    intervalMs: r.intervalMs === undefined ? 60_000 : number(r.intervalMs, 'push.intervalMs', 100, 86_400_000, true),
    ...(r.maxWindows !== undefined ? { maxWindows: number(r.maxWindows, 'push.maxWindows', 1, 10_000_000, true) } : {}),
    ...(r.maxBytes !== undefined ? { maxBytes: number(r.maxBytes, 'push.maxBytes', 1024, 1024 ** 4, true) } : {}),
  };
}

function resolveTls(raw: unknown): TlsConfig {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail(ConfigErrorCode.invalidType, 'tls', `got ${show(raw)}, expected {cert, key, upstreamCa?, collectorCa?}`);
  }
  const r = raw as Record<string, unknown>;
  const out: TlsConfig = {};
  for (const k of Object.keys(r)) {
    if (!(TLS_KEYS as readonly string[]).includes(k)) fail(ConfigErrorCode.unknownKey, `tls.${k}`, `unknown key, allowed: ${TLS_KEYS.join(', ')}`);
    const v = r[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') fail(ConfigErrorCode.invalidType, `tls.${k}`, `got ${show(v)}, expected a file path`);
    out[k as (typeof TLS_KEYS)[number]] = v;
  }
  if ((out.cert === undefined) !== (out.key === undefined)) fail(ConfigErrorCode.tls, 'tls', 'set both cert and key (--tls-cert, --tls-key), or neither');
  return out;
}

/** Validates a user configuration and fills the defaults; throws ConfigError on the first problem. */
export function resolveConfig(input: SidecarConfigInput): SidecarConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail(ConfigErrorCode.invalidType, '(root)', `got ${show(input)}, expected an object`);
  }
  const raw = input as Record<string, unknown>;
  for (const k of Object.keys(raw)) {
    if (!TOP_KEYS.has(k)) fail(ConfigErrorCode.unknownKey, k, `unknown key, allowed: ${[...TOP_KEYS].join(', ')}`);
  }
  const model = optString(raw, 'model');
  const upstream = optString(raw, 'upstream');
  const tap = optString(raw, 'tap');
  if (tap !== undefined && !TAP_FORMATS.includes(tap as TapFormat)) {
    fail(ConfigErrorCode.notAllowed, 'tap', `got ${show(tap)}, allowed: ${TAP_FORMATS.join(', ')}`);
  }
  if (tap !== undefined && (model !== undefined || upstream !== undefined)) {
    fail(ConfigErrorCode.modelSource, 'tap', `tap mode receives copies of calls: remove ${model !== undefined ? 'model' : 'upstream'}`);
  }
  if (tap === undefined && raw.tapPort !== undefined) fail(ConfigErrorCode.notAllowed, 'tapPort', 'only used with tap nginx');
  if (tap === undefined && (model === undefined) === (upstream === undefined)) {
    fail(ConfigErrorCode.modelSource, model ? 'model/upstream' : 'model',
      model ? 'both a model file and an upstream are set, choose one' : 'missing: set model (an .onnx file, embedded mode), upstream (a URL, proxy mode) or tap (kserve | nginx, tap mode)');
  }
  const protocolRaw = optString(raw, 'protocol');
  if (protocolRaw !== undefined && !PROTOCOLS.includes(protocolRaw as Protocol)) {
    fail(ConfigErrorCode.notAllowed, 'protocol', `got ${show(protocolRaw)}, allowed: ${PROTOCOLS.join(', ')}`);
  }
  if (model !== undefined && protocolRaw !== undefined && protocolRaw !== 'oip') {
    fail(ConfigErrorCode.notAllowed, 'protocol', `got ${show(protocolRaw)}, an embedded model is served over oip only`);
  }
  let source: SidecarConfig['source'];
  if (model !== undefined) {
    source = { kind: 'embedded', modelPath: model };
  } else {
    const protocol = (protocolRaw ?? 'oip') as Protocol;
    if (tap === 'kserve' && protocolRaw !== undefined && protocol !== 'oip' && protocol !== 'tfserving') {
      fail(ConfigErrorCode.notAllowed, 'protocol', `got ${show(protocolRaw)}, KServe logs v2 (oip) or v1 (tfserving) payloads`);
    }
    if (tap === 'kserve' && raw.tapPort !== undefined) fail(ConfigErrorCode.notAllowed, 'tapPort', 'tap kserve receives events on the HTTP port; tapPort is for tap nginx');
    source = tap !== undefined
      ? {
          kind: 'tap',
          format: tap as TapFormat,
          ...(protocolRaw !== undefined || tap === 'nginx' ? { protocol } : {}),
          ...(tap === 'nginx' ? { port: raw.tapPort === undefined ? 0 : number(raw.tapPort, 'tapPort', 0, 65535, true) } : {}),
        }
      : { kind: 'proxy', upstream: httpUrl(upstream!, 'upstream'), protocol };
    const json = raw.json as SidecarConfigInput['json'];
    if (protocol === 'json') {
      if (typeof json !== 'object' || json === null) {
        fail(ConfigErrorCode.invalidType, 'json', `got ${show(json)}, expected {path, inputs, outputs} (required with protocol json)`);
      }
      for (const k of Object.keys(json)) {
        if (!['path', 'method', 'inputs', 'outputs'].includes(k)) fail(ConfigErrorCode.unknownKey, `json.${k}`, 'unknown key, allowed: path, method, inputs, outputs');
      }
      if (typeof json.path !== 'string' || !json.path.startsWith('/')) {
        fail(ConfigErrorCode.invalidType, 'json.path', `got ${show(json.path)}, expected the inference path template such as "/predict"`);
      }
      for (const k of ['inputs', 'outputs'] as const) {
        const v = json[k];
        if (typeof v !== 'string' || (v !== '' && !v.startsWith('/'))) {
          fail(ConfigErrorCode.invalidType, `json.${k}`, `got ${show(v)}, expected a JSON pointer such as "/instances" ("" for the whole body)`);
        }
      }
      if (json.method !== undefined && !['POST', 'PUT', 'GET'].includes(String(json.method).toUpperCase())) {
        fail(ConfigErrorCode.notAllowed, 'json.method', `got ${show(json.method)}, allowed: POST, PUT, GET`);
      }
      source.json = { path: json.path, inputs: json.inputs!, outputs: json.outputs!, ...(json.method ? { method: String(json.method).toUpperCase() } : {}) };
    } else if (json !== undefined) {
      fail(ConfigErrorCode.notAllowed, 'json', `only used with protocol json, protocol is ${protocol}`);
    }
  }
  const baselineFile = optString(raw, 'baseline');
  const collector = optString(raw, 'collector');
  if (baselineFile !== undefined && collector !== undefined) {
    fail(ConfigErrorCode.baselineSource, 'baseline/collector', 'both a baseline file and a collector are set, choose one');
  }
  const token = optString(raw, 'collectorToken');
  const baseline: SidecarConfig['baseline'] = baselineFile !== undefined
    ? { kind: 'file', path: baselineFile }
    : collector !== undefined
      ? { kind: 'collector', url: httpUrl(collector, 'collector'), ...(token ? { token } : {}) }
      : { kind: 'none' };

  const stagesRaw = raw.upstreamStages;
  const upstreamStages = stagesRaw === undefined ? [] : typeof stagesRaw === 'string'
    ? stagesRaw.split(',').map((s) => s.trim()).filter(Boolean)
    : Array.isArray(stagesRaw) && stagesRaw.every((s) => typeof s === 'string')
      ? stagesRaw
      : fail(ConfigErrorCode.invalidType, 'upstreamStages', `got ${show(stagesRaw)}, expected a list of stage names`);
  for (const s of upstreamStages) {
    if (!LABEL_VALUE.test(s)) fail(ConfigErrorCode.notAllowed, 'upstreamStages', `got ${show(s)}, expected 1-128 characters from [A-Za-z0-9_.:-/]`);
  }
  const push = resolvePush(raw.push, baseline);
  const workers = raw.workers === undefined ? 1 : number(raw.workers, 'workers', 1, 64, true);
  if (workers > 1 && push) fail(ConfigErrorCode.notAllowed, 'workers', 'edge push keeps one buffer per process: use one worker with push');
  // KServe's two halves of a call may reach different workers (pairing is per process); nginx's records go to one UDP port.
  if (workers > 1 && source.kind === 'tap') fail(ConfigErrorCode.notAllowed, 'workers', `tap ${source.format} pairs and counts in one process: use one worker`);
  const predictions = resolvePredictionLog(raw.predictions, baseline.kind === 'collector');
  const review = resolveReview(raw.review, predictions.bufferDir);
  if (workers > 1 && review) fail(ConfigErrorCode.notAllowed, 'workers', 'review marking ships through one disk buffer per process: use one worker with review');
  const defaultName = model !== undefined
    ? (model.split(/[\\/]/).pop() ?? 'model').replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_.:\-]/g, '_') || 'model'
    : 'model';
  const modelVersion = labelValue(raw, 'modelVersion', '1');
  const variant = labelValue(raw, 'variant', 'primary');
  const rollout = resolveRollout({ primaryVariant: variant, primaryVersion: modelVersion, source, raw });
  if (rollout.initial.automation === 'shadow') {
    // Shadow automation means a person decides every case and the model's answer is only compared
    // with that decision: without a review queue its answers would reach no one, so it is refused.
    if (predictions.bufferDir === undefined || baseline.kind !== 'collector') {
      fail(ConfigErrorCode.notAllowed, 'automation', 'shadow sends every answer to the collector\'s review queue: set predictions.bufferDir and collector');
    }
    if (workers > 1) fail(ConfigErrorCode.notAllowed, 'workers', 'shadow automation ships answers for review through one disk buffer per process: use one worker');
  }
  if (workers > 1 && (rollout.variants.length > 0 || rollout.admin || rollout.analysis)) {
    // Routing state, canary analysis and the admin API live in one process.
    fail(ConfigErrorCode.notAllowed, 'workers', 'variants (shadow, canary, blue-green) are routed by one process: use one worker with variants');
  }
  return {
    name: labelValue(raw, 'name', defaultName),
    modelVersion,
    pipeline: labelValue(raw, 'pipeline', 'default'),
    stage: labelValue(raw, 'stage', 'model'),
    variant,
    upstreamStages,
    host: optString(raw, 'host') ?? '127.0.0.1',
    port: raw.port === undefined ? 8080 : number(raw.port, 'port', 0, 65535, true),
    source,
    baseline,
    features: resolveFeatures(raw.features),
    extractors: resolveExtractors(raw.extractors),
    ...(push ? { push } : {}),
    limits: resolveLimits(raw.limits),
    rollout,
    ...(raw.traceSampleRatio !== undefined ? { traceSampleRatio: number(raw.traceSampleRatio, 'traceSampleRatio', 0, 1, false) } : {}),
    ...(workers > 1 ? { workers } : {}),
    predictions,
    ...(review ? { review } : {}),
    tls: resolveTls(raw.tls),
  };
}

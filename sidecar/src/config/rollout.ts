import { existsSync } from 'node:fs';
import { AutomationLevel, type AutomationLevelValue } from '@modelwatch/core';
import { ConfigError, ConfigErrorCode, show, type ConfigErrorCodeValue } from './errors.js';
import type { AdminConfig, AnalysisConfig, ModelSource, RolloutConfig, RoutingSpec, VariantSpec } from './types.js';

const LABEL_VALUE = /^[A-Za-z0-9_.:\-/]{1,128}$/;
/** A sidecar serves one model with a few variants, not a fleet: each variant is a set of series. */
export const MAX_VARIANTS = 8;
const ROLLOUT_KEYS = ['stateDir', 'shadowMaxInFlight', 'shadowTimeoutMs', 'shadowShedding', 'admin', 'analysis'];
const ANALYSIS_KEYS = ['intervalMs', 'steps', 'failureThreshold', 'minRequests', 'maxErrorRatioIncrease', 'maxLatencyRatio', 'maxDisagreement', 'maxLowConfidenceIncrease', 'prometheus', 'collector'];
const VARIANT_KEYS = ['name', 'model', 'upstream', 'protocol', 'json', 'modelVersion'];

function fail(code: ConfigErrorCodeValue, key: string, message: string): never {
  throw new ConfigError(code, key, message);
}

function obj(v: unknown, key: string, expected: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(ConfigErrorCode.invalidType, key, `got ${show(v)}, expected ${expected}`);
  return v as Record<string, unknown>;
}

function onlyKeys(r: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const k of Object.keys(r)) if (!allowed.includes(k)) fail(ConfigErrorCode.unknownKey, `${prefix}.${k}`, `unknown key, allowed: ${allowed.join(', ')}`);
}

function num(value: unknown, key: string, min: number, max: number, integer = false): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    fail(ConfigErrorCode.invalidType, key, `got ${show(value)}, expected ${integer ? 'an integer' : 'a number'}`);
  }
  if (n < min || n > max) fail(ConfigErrorCode.outOfRange, key, `got ${n}, expected ${min} to ${max}`);
  return n;
}

function label(v: unknown, key: string): string {
  if (typeof v !== 'string' || !LABEL_VALUE.test(v)) fail(ConfigErrorCode.notAllowed, key, `got ${show(v)}, expected 1-128 characters from [A-Za-z0-9_.:-/]`);
  return v;
}

function url(v: unknown, key: string): string {
  try {
    const u = new URL(String(v));
    if (u.protocol === 'http:' || u.protocol === 'https:') return String(v).replace(/\/+$/, '');
  } catch {
    // answered below
  }
  return fail(ConfigErrorCode.invalidType, key, `got ${show(v)}, expected an http:// or https:// URL`);
}

/** `--shadow URL|FILE`: a URL is an upstream of the primary's protocol, anything else an ONNX file. */
function sourceOf(target: string, primary: ModelSource, key: string): ModelSource {
  if (primary.kind === 'tap') fail(ConfigErrorCode.notAllowed, key, 'tap mode sees copies of calls another proxy answered: it has no traffic to route to variants');
  if (/^https?:\/\//i.test(target)) {
    if (primary.kind === 'embedded') return { kind: 'proxy', upstream: url(target, key), protocol: 'oip' };
    return { ...primary, upstream: url(target, key) };
  }
  if (!existsSync(target)) fail(ConfigErrorCode.modelSource, key, `got ${show(target)}: neither an http(s) URL nor an existing ONNX file`);
  if (primary.kind === 'proxy' && primary.protocol !== 'oip') {
    fail(ConfigErrorCode.notAllowed, key, `an ONNX variant answers over oip, the primary speaks ${primary.protocol}; variants of one sidecar share the clients' protocol`);
  }
  return { kind: 'embedded', modelPath: target };
}

function resolveVariant(raw: unknown, i: number, primary: ModelSource, defaultVersion: string): VariantSpec {
  const key = `variants[${i}]`;
  const r = obj(raw, key, '{name, model | upstream, protocol?, json?, modelVersion?}');
  onlyKeys(r, VARIANT_KEYS, key);
  const name = label(r.name, `${key}.name`);
  if ((r.model === undefined) === (r.upstream === undefined)) fail(ConfigErrorCode.modelSource, key, 'set exactly one of model (an .onnx file) or upstream (a URL)');
  const target = String(r.model ?? r.upstream);
  let source = sourceOf(target, primary, `${key}.${r.model !== undefined ? 'model' : 'upstream'}`);
  if (source.kind === 'proxy' && r.protocol !== undefined) {
    const expected = primary.kind === 'proxy' ? primary.protocol : 'oip';
    if (r.protocol !== expected) {
      fail(ConfigErrorCode.notAllowed, `${key}.protocol`, `got ${show(r.protocol)}, expected ${expected}: variants of one sidecar share the protocol its clients speak`);
    }
  }
  if (source.kind === 'proxy' && r.json !== undefined) {
    const j = obj(r.json, `${key}.json`, '{path, inputs, outputs}');
    if (source.protocol !== 'json') fail(ConfigErrorCode.notAllowed, `${key}.json`, 'only used with protocol json');
    source = { ...source, json: { ...source.json!, ...(j as object) } };
  }
  const modelVersion = r.modelVersion === undefined ? defaultVersion : label(String(r.modelVersion), `${key}.modelVersion`);
  return { name, modelVersion, source };
}

function resolveAdmin(raw: unknown): AdminConfig | undefined {
  if (raw === undefined) return undefined;
  const r = obj(raw, 'rollout.admin', '{host?, port, tokens: [{name, token}]}');
  onlyKeys(r, ['host', 'port', 'tokens'], 'rollout.admin');
  const tokens = r.tokens;
  if (!Array.isArray(tokens) || tokens.length === 0) {
    fail(ConfigErrorCode.invalidType, 'rollout.admin.tokens', `got ${show(tokens)}, expected at least one {name, token} (or MODELWATCH_ADMIN_TOKENS=name:token,...)`);
  }
  const list = tokens.map((t, i) => {
    const o = obj(t, `rollout.admin.tokens[${i}]`, '{name, token}');
    const name = label(o.name, `rollout.admin.tokens[${i}].name`);
    if (typeof o.token !== 'string' || o.token.length < 16) fail(ConfigErrorCode.invalidType, `rollout.admin.tokens[${i}].token`, 'expected a secret of at least 16 characters');
    return { name, token: o.token };
  });
  return {
    host: typeof r.host === 'string' && r.host !== '' ? r.host : '127.0.0.1',
    port: r.port === undefined ? 0 : num(r.port, 'rollout.admin.port', 0, 65535, true),
    tokens: list,
  };
}

function resolveAnalysis(raw: unknown): AnalysisConfig | undefined {
  if (raw === undefined) return undefined;
  const r = obj(raw, 'rollout.analysis', `an object with ${ANALYSIS_KEYS.join(', ')}`);
  onlyKeys(r, ANALYSIS_KEYS, 'rollout.analysis');
  const steps = r.steps === undefined ? [10, 25, 50] : r.steps;
  if (!Array.isArray(steps) || steps.length === 0) fail(ConfigErrorCode.invalidType, 'rollout.analysis.steps', `got ${show(steps)}, expected increasing percentages such as [10, 25, 50]`);
  const parsed = steps.map((s, i) => num(s, `rollout.analysis.steps[${i}]`, 0.01, 100));
  if (parsed.some((s, i) => i > 0 && s <= parsed[i - 1])) fail(ConfigErrorCode.notAllowed, 'rollout.analysis.steps', `got ${show(steps)}, expected strictly increasing percentages`);
  const opt = (k: string, d: number, min: number, max: number, int = false) => (r[k] === undefined ? d : num(r[k], `rollout.analysis.${k}`, min, max, int));
  return {
    intervalMs: opt('intervalMs', 60_000, 100, 86_400_000, true),
    steps: parsed,
    failureThreshold: opt('failureThreshold', 2, 1, 1000, true),
    minRequests: opt('minRequests', 100, 1, 1e9, true),
    maxErrorRatioIncrease: opt('maxErrorRatioIncrease', 0.01, 0, 1),
    maxLatencyRatio: opt('maxLatencyRatio', 1.5, 1, 1000),
    maxDisagreement: opt('maxDisagreement', 0.1, 0, 1),
    maxLowConfidenceIncrease: opt('maxLowConfidenceIncrease', 0.1, 0, 1),
    ...(r.prometheus !== undefined ? { prometheus: url(r.prometheus, 'rollout.analysis.prometheus') } : {}),
    ...(r.collector !== undefined ? { collector: url(r.collector, 'rollout.analysis.collector') } : {}),
  };
}

function automation(v: unknown): AutomationLevelValue {
  if (v === undefined) return AutomationLevel.full;
  const levels = Object.values(AutomationLevel) as string[];
  if (typeof v !== 'string' || !levels.includes(v)) fail(ConfigErrorCode.notAllowed, 'automation', `got ${show(v)}, allowed: ${levels.join(', ')}`);
  return v as AutomationLevelValue;
}

export interface RolloutInput {
  primaryVariant: string;
  primaryVersion: string;
  source: ModelSource;
  raw: Record<string, unknown>;
}

/** Validates variants, initial routing, admin API and canary analysis; throws ConfigError on the first problem. */
export function resolveRollout({ primaryVariant, primaryVersion, source, raw }: RolloutInput): RolloutConfig {
  const variants: VariantSpec[] = [];
  const add = (v: VariantSpec, key: string) => {
    if (v.name === primaryVariant || variants.some((x) => x.name === v.name)) fail(ConfigErrorCode.notAllowed, key, `variant name ${show(v.name)} is used twice`);
    variants.push(v);
  };
  if (raw.variants !== undefined) {
    if (!Array.isArray(raw.variants)) fail(ConfigErrorCode.invalidType, 'variants', `got ${show(raw.variants)}, expected a list of {name, model | upstream}`);
    raw.variants.forEach((v, i) => add(resolveVariant(v, i, source, primaryVersion), `variants[${i}].name`));
  }
  const pct = (v: unknown, key: string, d: number) => (v === undefined ? d : num(v, key, 0, 100));
  let canary: RoutingSpec['canary'] = null;
  let shadow: RoutingSpec['shadow'] = null;
  if (raw.shadow !== undefined) {
    add({ name: 'shadow', modelVersion: primaryVersion, source: sourceOf(String(raw.shadow), source, 'shadow') }, 'shadow');
    shadow = { variant: 'shadow', percent: pct(raw.shadowPercent, 'shadowPercent', 100) };
  } else if (raw.shadowPercent !== undefined) fail(ConfigErrorCode.notAllowed, 'shadowPercent', 'set shadow (a URL or an ONNX file) too');
  if (raw.canary !== undefined) {
    if (raw.canaryPercent === undefined) fail(ConfigErrorCode.invalidType, 'canaryPercent', 'missing: a canary needs its share of traffic (--canary-percent P)');
    add({ name: 'canary', modelVersion: primaryVersion, source: sourceOf(String(raw.canary), source, 'canary') }, 'canary');
    canary = { variant: 'canary', percent: pct(raw.canaryPercent, 'canaryPercent', 0) };
  } else if (raw.canaryPercent !== undefined) fail(ConfigErrorCode.notAllowed, 'canaryPercent', 'set canary (a URL or an ONNX file) too');
  if (variants.length + 1 > MAX_VARIANTS) fail(ConfigErrorCode.outOfRange, 'variants', `got ${variants.length + 1} variants, at most ${MAX_VARIANTS}`);

  const known = [primaryVariant, ...variants.map((v) => v.name)];
  const variantName = (v: unknown, key: string) => {
    if (typeof v !== 'string' || !known.includes(v)) fail(ConfigErrorCode.notAllowed, key, `got ${show(v)}, known variants: ${known.join(', ')}`);
    return v;
  };
  let primary = primaryVariant;
  if (raw.routing !== undefined) {
    const r = obj(raw.routing, 'routing', '{primary?, canary?: {variant, percent}, shadow?: {variant, percent}}');
    onlyKeys(r, ['primary', 'canary', 'shadow'], 'routing');
    if (r.primary !== undefined) primary = variantName(r.primary, 'routing.primary');
    for (const role of ['canary', 'shadow'] as const) {
      if (r[role] === undefined || r[role] === null) continue;
      const o = obj(r[role], `routing.${role}`, '{variant, percent}');
      const spec = { variant: variantName(o.variant, `routing.${role}.variant`), percent: pct(o.percent, `routing.${role}.percent`, 0) };
      if (role === 'canary') canary = spec;
      else shadow = spec;
    }
  }
  if (canary && canary.variant === primary) fail(ConfigErrorCode.notAllowed, 'routing.canary.variant', 'the canary cannot be the primary');
  if (shadow && shadow.variant === primary) fail(ConfigErrorCode.notAllowed, 'routing.shadow.variant', 'the shadow cannot be the primary');

  const rr = raw.rollout === undefined ? {} : obj(raw.rollout, 'rollout', `an object with ${ROLLOUT_KEYS.join(', ')}`);
  onlyKeys(rr, ROLLOUT_KEYS, 'rollout');
  const sticky = raw.stickyHeader;
  if (sticky !== undefined && (typeof sticky !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(sticky))) {
    fail(ConfigErrorCode.notAllowed, 'stickyHeader', `got ${show(sticky)}, expected an HTTP header name such as x-user-id`);
  }
  if (rr.stateDir !== undefined && (typeof rr.stateDir !== 'string' || rr.stateDir === '')) fail(ConfigErrorCode.invalidType, 'rollout.stateDir', `got ${show(rr.stateDir)}, expected a directory path`);
  const admin = resolveAdmin(rr.admin);
  const analysis = resolveAnalysis(rr.analysis);
  return {
    variants,
    initial: { primary, canary, shadow, automation: automation(raw.automation) },
    ...(typeof sticky === 'string' ? { stickyHeader: sticky.toLowerCase() } : {}),
    ...(typeof rr.stateDir === 'string' ? { stateDir: rr.stateDir } : {}),
    shadow: {
      maxInFlight: rr.shadowMaxInFlight === undefined ? 64 : num(rr.shadowMaxInFlight, 'rollout.shadowMaxInFlight', 1, 10_000, true),
      timeoutMs: rr.shadowTimeoutMs === undefined ? 5_000 : num(rr.shadowTimeoutMs, 'rollout.shadowTimeoutMs', 1, 600_000, true),
      shedding: rr.shadowShedding === undefined ? true : rr.shadowShedding === true ? true : rr.shadowShedding === false ? false
        : fail(ConfigErrorCode.invalidType, 'rollout.shadowShedding', `got ${show(rr.shadowShedding)}, expected true or false`),
    },
    ...(admin ? { admin } : {}),
    ...(analysis ? { analysis } : {}),
  };
}

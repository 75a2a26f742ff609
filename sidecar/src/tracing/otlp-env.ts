import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Attributes } from '@opentelemetry/api';
import { ATTR_SERVICE_NAME, ATTR_TELEMETRY_SDK_LANGUAGE } from '@opentelemetry/semantic-conventions';
import { readCaFile } from '@modelwatch/core';
import { ConfigError, ConfigErrorCode, show } from '../config/errors.js';
import type { OtlpExporterOptions, OtlpProtocol } from './otlp-exporter.js';

/** Protocols this exporter speaks; OTLP's default is http/protobuf (specification, "Specify Protocol"). */
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];

/** The traces-specific variable, else the general one (OTLP exporter specification). */
function pick(env: NodeJS.ProcessEnv, suffix: string): [string, string] | undefined {
  for (const key of [`OTEL_EXPORTER_OTLP_TRACES_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`]) {
    const v = env[key]?.trim();
    if (v) return [key, v];
  }
  return undefined;
}

function positiveInt(env: NodeJS.ProcessEnv, key: string, dflt: number): number {
  const raw = env[key]?.trim();
  if (!raw) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(ConfigErrorCode.outOfRange, key, `${show(raw)} is not a positive integer`);
  return n;
}

/** `key1=value1,key2=value2`, values percent-decoded (W3C Baggage format, as the specification says). */
function parsePairs(key: string, raw: string, name: RegExp, lowerCase: boolean): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const k = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!name.test(k)) throw new ConfigError(ConfigErrorCode.invalidType, key, `${show(part)} is not in the form name=value`);
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new ConfigError(ConfigErrorCode.invalidType, key, `the value of ${show(k)} is not valid percent-encoding`);
    }
    pairs[lowerCase ? k.toLowerCase() : k] = value;
  }
  return pairs;
}

/** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: names are HTTP tokens, sent lower-case. */
export function parseOtlpHeaders(key: string, raw: string): Record<string, string> {
  return parsePairs(key, raw, /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, true);
}

/**
 * The traces endpoint: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else
 * OTEL_EXPORTER_OTLP_ENDPOINT with `/v1/traces` appended; undefined when neither is set.
 */
export function tracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const [key, url] = specific ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', specific] : base ? ['OTEL_EXPORTER_OTLP_ENDPOINT', `${base.replace(/\/+$/, '')}/v1/traces`] : [];
  if (!key || !url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(ConfigErrorCode.invalidType, key, `${show(url)} is not a URL (expected e.g. http://otel-collector:4318)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(ConfigErrorCode.notAllowed, key, `${show(url)}: only http:// and https:// endpoints are supported (OTLP/HTTP)`);
  }
  return url;
}

/**
 * The resource: OTEL_RESOURCE_ATTRIBUTES, then service.name from OTEL_SERVICE_NAME (which wins,
 * as the specification says), default `modelwatch-sidecar`.
 */
export function resourceFromEnv(env: NodeJS.ProcessEnv): Attributes {
  const raw = env.OTEL_RESOURCE_ATTRIBUTES?.trim();
  const attributes: Attributes = { [ATTR_TELEMETRY_SDK_LANGUAGE]: 'nodejs' };
  if (raw) Object.assign(attributes, parsePairs('OTEL_RESOURCE_ATTRIBUTES', raw, /^[^\s,=]+$/, false));
  attributes[ATTR_SERVICE_NAME] = env.OTEL_SERVICE_NAME?.trim() || (attributes[ATTR_SERVICE_NAME] ?? 'modelwatch-sidecar');
  return attributes;
}

/**
 * OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE (CA bundle), CLIENT_CERTIFICATE and CLIENT_KEY (mTLS):
 * read once at startup, a file that is missing or not PEM fails with a coded error naming the variable.
 */
function tlsFromEnv(env: NodeJS.ProcessEnv): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  const ca = pick(env, 'CERTIFICATE');
  if (ca) tls.ca = readCaFile(ca[1], ca[0]);
  const cert = pick(env, 'CLIENT_CERTIFICATE');
  const key = pick(env, 'CLIENT_KEY');
  if ((cert === undefined) !== (key === undefined)) {
    const [given, missing] = cert ? [cert[0], 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY'] : [key![0], 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE'];
    throw new ConfigError(ConfigErrorCode.tls, given, `a client certificate needs its key and the key its certificate: set ${missing} (or its OTEL_EXPORTER_OTLP_ form) too`);
  }
  if (cert && key) {
    for (const [k, path, field] of [[cert[0], cert[1], 'cert'], [key[0], key[1], 'key']] as const) {
      try {
        tls[field] = readFileSync(path);
      } catch (err) {
        throw new ConfigError(ConfigErrorCode.file, k, `cannot read ${show(path)}: ${(err as Error).message}`);
      }
    }
    try {
      createSecureContext({ cert: tls.cert, key: tls.key });
    } catch (err) {
      throw new ConfigError(ConfigErrorCode.tls, cert[0], `${cert[1]} and ${key[1]} are not a usable certificate and key: ${(err as Error).message}`);
    }
  }
  return tls;
}

/**
 * Exporter options from the standard OTEL_* variables, or undefined when traces are off
 * (OTEL_TRACES_EXPORTER without `otlp`, or no endpoint). A value that is set but wrong fails
 * startup with a coded ConfigError naming the variable.
 */
export function otlpOptionsFromEnv(env: NodeJS.ProcessEnv): Omit<OtlpExporterOptions, 'onExportFailure' | 'onDropped'> | undefined {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((s) => s.trim());
  if (!exporters.includes('otlp')) return undefined;
  const url = tracesUrl(env);
  if (!url) return undefined;
  const protocolEntry = pick(env, 'PROTOCOL');
  const protocol = (protocolEntry?.[1] ?? 'http/protobuf') as OtlpProtocol;
  if (!PROTOCOLS.includes(protocol)) {
    throw new ConfigError(ConfigErrorCode.notAllowed, protocolEntry![0], `${show(protocol)} is not supported; use http/protobuf (default) or http/json`);
  }
  const headersEntry = pick(env, 'HEADERS');
  const compression = pick(env, 'COMPRESSION');
  if (compression && compression[1] !== 'none') {
    throw new ConfigError(ConfigErrorCode.notAllowed, compression[0], `${show(compression[1])} is not supported; only none (spans leave uncompressed)`);
  }
  const timeoutEntry = pick(env, 'TIMEOUT');
  return {
    url,
    tls: tlsFromEnv(env),
    protocol,
    headers: headersEntry ? parseOtlpHeaders(headersEntry[0], headersEntry[1]) : {},
    timeoutMs: timeoutEntry ? positiveInt({ [timeoutEntry[0]]: timeoutEntry[1] }, timeoutEntry[0], 10_000) : 10_000,
    maxQueueSize: positiveInt(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048),
    maxBatchSize: positiveInt(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
    scheduleDelayMs: positiveInt(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000),
    envelope: { resource: resourceFromEnv(env), scopeName: '@modelwatch/sidecar' },
    // Comparison side of bench/sidecar/embedded.ts (as MODELWATCH_UPSTREAM_CLIENT is for the proxy).
    exportThread: env.MODELWATCH_TRACE_EXPORT_THREAD === '1',
  };
}

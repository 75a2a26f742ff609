import { createHmac } from 'node:crypto';
import type { RecordValue } from '@modelwatch/core';
import type { CellValue } from '../protocols/types.js';
import { compileRedactions, DEFAULT_REDACTIONS, redact, type CustomRedaction, type RedactionRule } from './redaction.js';

/**
 * Privacy rules, applied in the sidecar before a record is written to its buffer (so nothing
 * that a rule removes ever reaches the disk, the wire or the collector). Per field: keep, drop,
 * keyed hash (HMAC-SHA-256 with a secret the collector never sees) or bucketise to a range; kept
 * free text is redacted; a subject key (the keyed hash of one field) makes erasure possible.
 */
export type FieldRule = 'keep' | 'drop' | 'hash' | { bucket: number[] };

export interface PrivacyConfig {
  /** Input field → rule. Fields not listed get `defaultRule`. */
  fields?: Record<string, FieldRule>;
  /** Rule for inputs not listed in `fields`. Default `keep`. */
  defaultRule?: 'keep' | 'drop' | 'hash';
  /** Redactions of kept text, built-in names (`email`, `card`, `phone`) or `{name, pattern}`. Default all built-ins. */
  redact?: (string | CustomRedaction)[];
  /** Input field whose value identifies the person the prediction is about (its keyed hash is the record's subject). */
  subjectField?: string;
  /** HMAC key for `hash` rules and the subject key (or env MODELWATCH_PRIVACY_SECRET). */
  secret?: string;
}

type CompiledRule = { kind: 'keep' } | { kind: 'drop' } | { kind: 'hash' } | { kind: 'bucket'; edges: number[] };

/** Longest string kept in a record; longer text is cut (the collector refuses longer values anyway). */
export const MAX_TEXT = 4096;

function compileRule(rule: unknown, where: string): CompiledRule {
  if (rule === 'keep' || rule === 'drop' || rule === 'hash') return { kind: rule };
  if (typeof rule === 'object' && rule !== null && Array.isArray((rule as { bucket?: unknown }).bucket)) {
    const edges = (rule as { bucket: unknown[] }).bucket;
    if (edges.length === 0 || edges.length > 64 || edges.some((e, i) => typeof e !== 'number' || !Number.isFinite(e) || (i > 0 && e <= (edges[i - 1] as number)))) {
      throw new Error(`${where}: bucket edges must be 1 to 64 increasing finite numbers`);
    }
    return { kind: 'bucket', edges: edges as number[] };
  }
  throw new Error(`${where}: rule must be "keep", "drop", "hash" or {"bucket": [edges]}`);
}

/** The range label of a value: `<10`, `[10,20)`, `>=20`. */
export function bucketLabel(v: number, edges: readonly number[]): string {
  if (v < edges[0]) return `<${edges[0]}`;
  for (let i = 1; i < edges.length; i++) if (v < edges[i]) return `[${edges[i - 1]},${edges[i]})`;
  return `>=${edges[edges.length - 1]}`;
}

export class PrivacyPolicy {
  private readonly rules = new Map<string, CompiledRule>();
  private readonly fallback: CompiledRule;
  private readonly redactions: RedactionRule[];
  private readonly secret: string | undefined;
  readonly subjectField: string | undefined;

  /** Throws an Error naming the bad key when the configuration is invalid (checked at startup). */
  constructor(config: PrivacyConfig = {}, env: NodeJS.ProcessEnv = process.env) {
    for (const [field, rule] of Object.entries(config.fields ?? {})) this.rules.set(field, compileRule(rule, `fields.${field}`));
    this.fallback = compileRule(config.defaultRule ?? 'keep', 'defaultRule');
    if (this.fallback.kind === 'bucket') throw new Error('defaultRule: use keep, drop or hash');
    this.redactions = compileRedactions(config.redact ?? [...DEFAULT_REDACTIONS]);
    this.secret = config.secret ?? env.MODELWATCH_PRIVACY_SECRET;
    this.subjectField = config.subjectField;
    const needsSecret = this.subjectField !== undefined || this.fallback.kind === 'hash' || [...this.rules.values()].some((r) => r.kind === 'hash');
    if (needsSecret && (this.secret === undefined || this.secret.length < 16)) {
      throw new Error('secret: hash rules and subjectField need a secret of at least 16 characters (or env MODELWATCH_PRIVACY_SECRET)');
    }
  }

  /** Keyed hash: stable for one secret, useless without it (a plain hash of an e-mail is reversible by guessing). */
  hash(value: CellValue): string {
    return createHmac('sha256', this.secret!).update(String(value)).digest('hex').slice(0, 32);
  }

  /** The subject key of a record, from the subject field's raw value (before any rule). */
  subjectKey(row: ReadonlyMap<string, CellValue>): string | undefined {
    if (this.subjectField === undefined) return undefined;
    const v = row.get(this.subjectField);
    return v === undefined || v === null || v === '' ? undefined : this.hash(v);
  }

  /** Redacted, length-bounded text. */
  text(value: string): string {
    const cut = value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;
    return redact(cut, this.redactions);
  }

  /** One row of inputs after the field rules; dropped fields are absent. */
  inputs(row: ReadonlyMap<string, CellValue>): Record<string, RecordValue> {
    const out: Record<string, RecordValue> = {};
    for (const [field, value] of row) {
      const rule = this.rules.get(field) ?? this.fallback;
      switch (rule.kind) {
        case 'drop':
          break;
        case 'hash':
          out[field] = value === null ? null : this.hash(value);
          break;
        case 'bucket':
          out[field] = typeof value === 'number' && Number.isFinite(value) ? bucketLabel(value, rule.edges) : null;
          break;
        default:
          out[field] = typeof value === 'string' ? this.text(value) : typeof value === 'number' && !Number.isFinite(value) ? null : value;
      }
    }
    return out;
  }
}

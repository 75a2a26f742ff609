import type { CellValue, Column, InputBatch } from '../protocols/types.js';
import { DEFAULT_LIMITS, type ExtractorLimits } from './limits.js';
import { imageFeatures, type ImageFeatures } from './image.js';
import { audioFeatures, type AudioFeatures } from './audio.js';
import { ConfigError, ConfigErrors } from '@modelwatch/core';

/**
 * Derived numeric features for non-tabular inputs, named `<input>:<extractor>` (the contract's
 * naming for the feature label). Configured per input at startup; applied per request to the
 * batch's media (and string columns for text). Never throws: an item that cannot be read gives
 * `null` (a missing value for the metrics layer).
 */
export const EXTRACTORS = {
  text: ['length'],
  image: ['brightness', 'width', 'height', 'pixels'],
  audio: ['duration', 'rms'],
} as const;

export type MediaKind = keyof typeof EXTRACTORS;

export interface ExtractorConfig {
  /** Input (tensor, column or record key) the media is in. */
  input: string;
  kind: MediaKind;
  /** Subset of the kind's extractors (default: all of them). */
  extract?: readonly string[];
  /** Audio given as raw samples: samples per second, needed for the duration. */
  sampleRate?: number;
}

export interface ExtractorSet {
  /** Feature names this set can produce, known at startup (for bounded metric registration). */
  readonly featureNames: readonly string[];
  /** Derived columns for one batch, one value per row. */
  apply(batch: InputBatch): Map<string, Column>;
}

interface Plan {
  input: string;
  kind: MediaKind;
  names: { extractor: string; feature: string }[];
  sampleRate?: number;
}

function items(batch: InputBatch, input: string): readonly unknown[] | undefined {
  return batch.media?.get(input) ?? (batch.columns.get(input) as readonly unknown[] | undefined);
}

export function createExtractorSet(configs: readonly ExtractorConfig[], limits: ExtractorLimits = DEFAULT_LIMITS): ExtractorSet {
  const plans: Plan[] = configs.map((c, i) => {
    const allowed: readonly string[] = EXTRACTORS[c.kind];
    if (!allowed) {
      throw new ConfigError(ConfigErrors.extractorKind, `extractors[${i}].kind`, `extractors[${i}].kind ${JSON.stringify(c.kind)} is not one of ${Object.keys(EXTRACTORS).join(', ')}`);
    }
    const wanted = c.extract ?? allowed;
    for (const e of wanted) {
      if (!allowed.includes(e)) {
        throw new ConfigError(ConfigErrors.extractor, `extractors[${i}].extract`, `extractors[${i}].extract ${JSON.stringify(e)} is not a ${c.kind} extractor; allowed: ${allowed.join(', ')}`);
      }
    }
    if (c.sampleRate !== undefined && !(c.sampleRate > 0)) {
      throw new ConfigError(ConfigErrors.extractor, `extractors[${i}].sampleRate`, `extractors[${i}].sampleRate must be a positive number of samples per second, got ${c.sampleRate}`);
    }
    return { input: c.input, kind: c.kind, sampleRate: c.sampleRate, names: wanted.map((e) => ({ extractor: e, feature: `${c.input}:${e}` })) };
  });

  return {
    featureNames: plans.flatMap((p) => p.names.map((n) => n.feature)),
    apply(batch) {
      const out = new Map<string, Column>();
      for (const plan of plans) {
        const list = items(batch, plan.input);
        if (!list) continue;
        const cols = plan.names.map(() => new Array<CellValue>(list.length).fill(null));
        for (let r = 0; r < list.length; r++) {
          let features: Record<string, number | null>;
          try {
            features = extract(plan, list[r], limits);
          } catch {
            continue; // a malformed item is a missing value, never an error in the request
          }
          plan.names.forEach((n, k) => { cols[k][r] = features[n.extractor] ?? null; });
        }
        plan.names.forEach((n, k) => out.set(n.feature, cols[k]));
      }
      return out;
    },
  };
}

function extract(plan: Plan, item: unknown, limits: ExtractorLimits): Record<string, number | null> {
  switch (plan.kind) {
    case 'text':
      return { length: typeof item === 'string' ? textLength(item) : null };
    case 'image':
      return imageFeatures(item, limits) as ImageFeatures & Record<string, number | null>;
    case 'audio':
      return audioFeatures(item, plan.sampleRate, limits) as AudioFeatures & Record<string, number | null>;
  }
}

/** Length in characters (Unicode code points, so an emoji counts once). */
export function textLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      n++;
    }
  }
  return n;
}

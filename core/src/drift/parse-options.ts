/**
 * Validation of drift options coming from configuration (collector flags/config file), so a typo
 * fails at startup with the path, the value and what is allowed — not at the first evaluation.
 */
import type { FeatureType } from '../baseline/profile.js';
import type { DriftMethod } from './types.js';
import type { DriftOptions } from './options.js';
import { DRIFT_METHODS } from './registry.js';

export class DriftOptionsError extends Error {
  readonly code = 'DRIFT_OPTIONS';
  constructor(
    readonly path: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`DRIFT_OPTIONS: ${path} = ${JSON.stringify(value) ?? String(value)} is not allowed: ${allowed}`);
    this.name = 'DriftOptionsError';
  }
}

const TYPES: readonly FeatureType[] = ['numeric', 'categorical'];
const NUMBER_KEYS = {
  threshold: 'a finite number',
  calibrationSigmas: 'a number ≥ 0',
  minSamples: 'an integer ≥ 1',
  smallSampleSize: 'an integer ≥ 0',
  datasetDriftShare: 'a number in (0, 1]',
  missingRateThreshold: 'a number in [0, 1]',
} as const;

function checkNumber(key: keyof typeof NUMBER_KEYS, v: unknown, path: string): number {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (key !== 'calibrationSigmas' || v >= 0) &&
    (key !== 'minSamples' || (Number.isInteger(v) && v >= 1)) &&
    (key !== 'smallSampleSize' || (Number.isInteger(v) && v >= 0)) &&
    (key !== 'datasetDriftShare' || (v > 0 && v <= 1)) &&
    (key !== 'missingRateThreshold' || (v >= 0 && v <= 1));
  if (!ok) throw new DriftOptionsError(path, v, `expected ${NUMBER_KEYS[key]}`);
  return v as number;
}

function checkMethod(v: unknown, path: string): DriftMethod {
  if (typeof v !== 'string' || !DRIFT_METHODS.has(v as DriftMethod)) {
    throw new DriftOptionsError(path, v, `expected one of ${[...DRIFT_METHODS.keys()].join(', ')}`);
  }
  return v as DriftMethod;
}

function record(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DriftOptionsError(path, v, 'expected an object');
  return v as Record<string, unknown>;
}

export function parseDriftOptions(value: unknown): DriftOptions {
  const o = record(value ?? {}, '$');
  const out: DriftOptions = {};
  for (const [key, v] of Object.entries(o)) {
    const path = `$.${key}`;
    if (key in NUMBER_KEYS) (out as Record<string, unknown>)[key] = checkNumber(key as keyof typeof NUMBER_KEYS, v, path);
    else if (key === 'calibrate') {
      if (typeof v !== 'boolean') throw new DriftOptionsError(path, v, 'expected true or false');
      out.calibrate = v;
    } else if (key === 'method') out.method = checkMethod(v, path);
    else if (key === 'methodByType' || key === 'thresholdByType') {
      const r = record(v, path);
      const parsed: Record<string, unknown> = {};
      for (const [t, x] of Object.entries(r)) {
        if (!TYPES.includes(t as FeatureType)) throw new DriftOptionsError(`${path}.${t}`, t, 'expected a feature type: numeric or categorical');
        parsed[t] = key === 'methodByType' ? checkMethod(x, `${path}.${t}`) : checkNumber('threshold', x, `${path}.${t}`);
      }
      (out as Record<string, unknown>)[key] = parsed;
    } else if (key === 'methodByFeature' || key === 'thresholdByFeature') {
      const r = record(v, path);
      const parsed: Record<string, unknown> = {};
      for (const [f, x] of Object.entries(r)) {
        parsed[f] = key === 'methodByFeature' ? checkMethod(x, `${path}.${f}`) : checkNumber('threshold', x, `${path}.${f}`);
      }
      (out as Record<string, unknown>)[key] = parsed;
    } else {
      throw new DriftOptionsError(path, v, `unknown option; known: ${[...Object.keys(NUMBER_KEYS), 'calibrate', 'method', 'methodByType', 'methodByFeature', 'thresholdByType', 'thresholdByFeature'].join(', ')}`);
    }
  }
  return out;
}

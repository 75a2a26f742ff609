import { ADWIN, DDM, PAGE_HINKLEY, type AdwinParams, type ConceptDetectorName, type DdmParams, type PageHinkleyParams } from '@modelwatch/core';

/** Parameters of each concept-drift detector; what is not given keeps River's default. */
export interface DetectorParams {
  ddm: DdmParams;
  adwin: AdwinParams;
  page_hinkley: PageHinkleyParams;
}

/** As configured: any subset of any detector's parameters. */
export type DetectorParamsInput = { [K in keyof DetectorParams]?: Partial<DetectorParams[K]> };

type Rule = { check: (v: unknown) => boolean; valid: string };

const int = (min: number): Rule => ({ check: (v) => Number.isInteger(v) && (v as number) >= min, valid: `an integer ≥ ${min}` });
const positive: Rule = { check: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0, valid: 'a number > 0' };
const nonNegative: Rule = { check: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, valid: 'a number ≥ 0' };
const probability: Rule = { check: (v) => typeof v === 'number' && v > 0 && v < 1, valid: 'a number between 0 and 1 (exclusive)' };
const forgetting: Rule = { check: (v) => typeof v === 'number' && v > 0 && v <= 1, valid: 'a number in (0, 1]' };

/** Every parameter with what it may be (River's own constraints, plus finiteness). */
const RULES: { [K in keyof DetectorParams]: { [P in keyof DetectorParams[K]]: Rule } } = {
  ddm: { warmStart: int(0), warningThreshold: positive, driftThreshold: positive },
  adwin: { delta: probability, clock: int(1), maxBuckets: int(1), minWindowLength: int(1), gracePeriod: int(1) },
  page_hinkley: {
    minInstances: int(1),
    delta: nonNegative,
    threshold: positive,
    alpha: forgetting,
    mode: { check: (v) => v === 'up' || v === 'down' || v === 'both', valid: '"up", "down" or "both"' },
  },
};

const DEFAULTS: DetectorParams = { ddm: DDM.defaults, adwin: ADWIN.defaults, page_hinkley: PAGE_HINKLEY.defaults };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Resolves configured detector parameters over River's defaults. Throws an Error naming the
 * detector, the parameter and what would be valid; the caller turns it into a ConfigError.
 */
export function resolveDetectorParams(raw: unknown = {}): DetectorParams {
  if (!isObject(raw)) throw new Error('expected an object with any of ddm, adwin, page_hinkley');
  const out = structuredClone(DEFAULTS) as unknown as Record<string, Record<string, unknown>>;
  for (const [name, given] of Object.entries(raw)) {
    const rules = (RULES as Record<string, Record<string, Rule>>)[name];
    if (!rules) throw new Error(`unknown detector "${name.slice(0, 40)}", allowed: ${Object.keys(RULES).join(', ')}`);
    if (!isObject(given)) throw new Error(`${name} must be an object of parameters`);
    for (const [key, value] of Object.entries(given)) {
      const rule = rules[key];
      if (!rule) throw new Error(`${name}: unknown parameter "${key.slice(0, 40)}", allowed: ${Object.keys(rules).join(', ')}`);
      if (!rule.check(value)) throw new Error(`${name}.${key} must be ${rule.valid}, got ${JSON.stringify(value)?.slice(0, 40)}`);
      out[name][key] = value;
    }
  }
  const params = out as unknown as DetectorParams;
  if (params.ddm.driftThreshold <= params.ddm.warningThreshold) {
    throw new Error(`ddm.driftThreshold (${params.ddm.driftThreshold}) must be above ddm.warningThreshold (${params.ddm.warningThreshold})`);
  }
  return params;
}

/** Whether a stored detector state was made with these parameters (else the detector starts over with them). */
export function sameParams(state: unknown, params: DetectorParams[ConceptDetectorName]): boolean {
  const stored = (state as { params?: Record<string, unknown> } | undefined)?.params;
  if (!isObject(stored)) return false;
  const want = params as unknown as Record<string, unknown>;
  const keys = Object.keys(want);
  return keys.length === Object.keys(stored).length && keys.every((k) => stored[k] === want[k]);
}

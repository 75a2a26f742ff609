import { ADWIN } from './adwin.js';
import { DDM } from './ddm.js';
import { PAGE_HINKLEY } from './page-hinkley.js';
import type { ConceptDetector } from './types.js';

/** Every concept-drift detector by name (the `detector` label values: a closed set). */
export const CONCEPT_DETECTORS = {
  ddm: DDM,
  adwin: ADWIN,
  page_hinkley: PAGE_HINKLEY,
} as const satisfies Record<string, ConceptDetector<unknown, unknown>>;

export type ConceptDetectorName = keyof typeof CONCEPT_DETECTORS;

/**
 * The error of one labelled prediction, the detectors' input: 0 right / 1 wrong for a class,
 * the absolute error for a value. undefined when the row cannot be scored.
 */
export function predictionError(prediction: string | number | null, label: string | undefined, labelValue: number | undefined): number | undefined {
  if (label !== undefined) return prediction !== null && String(prediction) === label ? 0 : 1;
  if (labelValue !== undefined && typeof prediction === 'number' && Number.isFinite(prediction)) return Math.abs(prediction - labelValue);
  return undefined;
}

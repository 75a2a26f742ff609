/**
 * Concept-drift detectors on a stream of per-prediction errors (0 = right, 1 = wrong, or an
 * absolute error for regression), consumed in label arrival order. Each detector is pure:
 * `run(state, values) → { state, events }` never mutates its input state, and the state is plain
 * JSON so the collector stores it and a restart resumes exactly where it stopped.
 */
export interface DetectorEvent {
  /** Index in the `values` passed to this run. */
  index: number;
  kind: 'drift' | 'warning';
}

export interface DetectorRun<S> {
  state: S;
  /** Drifts (and, for detectors that have them, entries into the warning zone) in this run. */
  events: DetectorEvent[];
}

export interface ConceptDetector<S, P> {
  readonly name: string;
  /** River's defaults. */
  readonly defaults: Readonly<P>;
  /** Whether the input must be 0/1 (DDM) or may be any real value (ADWIN, Page-Hinkley). */
  readonly input: 'binary' | 'real';
  init(params?: Partial<P>): S;
  run(state: S, values: ArrayLike<number>): DetectorRun<S>;
  /** Checks untrusted stored state (after a restart, from another version); false = start fresh. */
  isState(value: unknown): value is S;
}

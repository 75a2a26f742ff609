import type { LeaseClaim, ModelLeases } from '../leases/model-leases.js';

/**
 * The drift evaluator's leases, remembered for the ground-truth loop: with several collectors on
 * one PostgreSQL, realized performance and the concept-drift detectors of a model run only on the
 * collector that leases it (two collectors feeding one detector state would race). A model with
 * records but no baseline is leased by nobody; it is evaluated only while a single collector runs.
 */
export class OwnedModels implements ModelLeases {
  private last: LeaseClaim | undefined;

  constructor(private readonly inner: ModelLeases) {}

  async claim(models: readonly string[]): Promise<LeaseClaim> {
    this.last = await this.inner.claim(models);
    return this.last;
  }

  start(): void {
    this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Whether this collector evaluates ground truth for `model` now. */
  owns(model: string): boolean {
    if (!this.last) return true;
    return this.last.owned.has(model) || this.last.liveCollectors <= 1;
  }
}

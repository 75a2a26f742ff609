import { ShadowOutcome } from '@modelwatch/core';
import type { InputBatch, OutputBatch } from '../protocols/types.js';
import type { AnsweredExchange } from './answered.js';
import type { RolloutMetrics } from './rollout-metrics.js';
import { ShadowShedder } from './shadow-shedder.js';
import type { ShadowTarget } from './shadow-target.js';

/**
 * Copies answered requests to other variants, off the client path. In-flight copies are bounded:
 * beyond the limit a copy is dropped and counted, so a slow or hanging shadow costs the primary a
 * counter increment and nothing else; when the process itself is saturated, copies are shed too
 * (ShadowShedder). Work starts on the next turn of the event loop, after the
 * primary's answer has been handed to the socket.
 */
export class ShadowDispatcher {
  private inFlight = 0;
  private closed = false;
  readonly shedder: ShadowShedder | undefined;

  constructor(
    private readonly metrics: RolloutMetrics,
    private readonly maxInFlight: number,
    private readonly timeoutMs: number,
    shedding = true,
  ) {
    this.shedder = shedding ? new ShadowShedder() : undefined;
  }

  get pending(): number {
    return this.inFlight;
  }

  /**
   * Replays `exchange` on `target` (the variant `variant`); `onOutputs` gets its outputs when the call
   * succeeds. `record`: count it as the variant's traffic (a shadow) rather than a reference call.
   */
  dispatch(variant: string, target: ShadowTarget, exchange: AnsweredExchange, record: boolean, onOutputs?: (outputs: OutputBatch | undefined, inputs?: InputBatch) => void): void {
    // Reference calls for the canary analysis (not `record`) are its evidence: only the in-flight bound
    // limits them (they are the canary's share of traffic, not a full copy of it).
    if (this.closed || this.inFlight >= this.maxInFlight || (record && this.shedder !== undefined && !this.shedder.admit())) {
      if (record) this.metrics.shadowCall(variant, ShadowOutcome.dropped);
      return;
    }
    this.inFlight++;
    this.metrics.shadowInFlight.set(variant, (this.metrics.shadowInFlight.get(variant) ?? 0) + 1);
    setImmediate(() => {
      target.invoke(exchange, record, this.timeoutMs).then((r) => {
        this.inFlight--;
        this.metrics.shadowInFlight.set(variant, (this.metrics.shadowInFlight.get(variant) ?? 1) - 1);
        if (record) this.metrics.shadowCall(variant, r.ok ? ShadowOutcome.completed : r.timeout ? ShadowOutcome.timeout : ShadowOutcome.failed);
        if (r.ok && onOutputs) {
          try {
            onOutputs(r.outputs, r.inputs);
          } catch {
            // A comparison must never take the process down; it is only telemetry.
          }
        }
      }, () => {
        this.inFlight--;
      });
    });
  }

  close(): void {
    this.closed = true;
    this.shedder?.close();
  }
}

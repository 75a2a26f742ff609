import type { IncomingHttpHeaders } from 'node:http';
import { ErrorReason, Outcome, type OutcomeValue } from '@modelwatch/core';
import type { SidecarTelemetry } from '../metrics/telemetry.js';
import type { ProtocolCodec } from '../protocols/codec.js';
import type { InputBatch, OutputBatch, Parsed } from '../protocols/types.js';

/** Upstream answers are buffered for monitoring up to this multiple of maxBodyBytes, then streamed. */
export const RESPONSE_BUFFER_FACTOR = 8;
export const UNMONITORABLE_LARGE_RESPONSE = 'response_too_large';

export function outcomeOf(status: number): OutcomeValue {
  return status < 400 ? Outcome.success : status < 500 ? Outcome.clientError : Outcome.upstreamError;
}

/** One inference call as the monitor sees it once it is over, inline or tapped. */
export interface ObservedCall {
  /** The request as the codec parsed it (the inline proxy parses it before forwarding, to refuse bad input). */
  request: Parsed<InputBatch>;
  requestHeaders: IncomingHttpHeaders;
  requestBytes: number;
  status: number;
  /** `undefined` when the answer was too large to hold and went through unmonitored. */
  responseBody: Buffer | undefined;
  responseBytes: number;
  responseHeaders: IncomingHttpHeaders;
  /** Time in the model server (the upstream call). */
  inferenceSeconds: number;
}

/**
 * What the inline proxy and tap mode record about one call, in one place so that the same traffic
 * gives the same metrics either way. Runs after the client has its answer (inline) or off the
 * request path altogether (tap). Never throws: the telemetry methods swallow their own failures.
 */
export class CallMonitor {
  constructor(
    private readonly telemetry: SidecarTelemetry,
    readonly codec: ProtocolCodec,
  ) {}

  /**
   * Records a call whose request was invalid: the inline proxy refuses it with 400 before the model
   * sees it; a tapped one is counted the same way. Returns false when the request is fine.
   */
  refused(request: Parsed<InputBatch>): request is Extract<Parsed<InputBatch>, { kind: 'invalid' }> {
    if (request.ok || request.kind !== 'invalid') return false;
    this.telemetry.error(request.reason);
    return true;
  }

  /**
   * Records what an answered call says about the model: inputs, outputs (2xx and monitorable),
   * time in the model and upstream failures. The caller records the request itself (outcome,
   * duration, sizes) with the exchange it owns. Returns the parsed outputs, when there are any.
   */
  observe(call: ObservedCall): OutputBatch | undefined {
    const t = this.telemetry;
    const r = call.request;
    let monitorResponse = true;
    if (r.ok) t.observeInputs(r.value);
    else {
      t.unmonitoredPayload(r.reason);
      monitorResponse = false;
    }
    t.inferenceFinished(call.inferenceSeconds);
    let outputs: OutputBatch | undefined;
    if (call.responseBody === undefined) t.unmonitoredPayload(UNMONITORABLE_LARGE_RESPONSE);
    else if (call.status >= 200 && call.status < 300 && monitorResponse) {
      const out = this.codec.parseResponse(call.responseBody, call.responseHeaders);
      if (out.ok) {
        outputs = out.value;
        t.observeOutputs(out.value);
      } else t.unmonitoredPayload(out.kind === 'invalid' ? 'unparseable_response' : out.reason);
    }
    if (call.status >= 500) t.error(ErrorReason.upstreamStatus);
    return outputs;
  }
}

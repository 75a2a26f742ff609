import type { IncomingHttpHeaders } from 'node:http';
import { Outcome } from '@modelwatch/core';
import type { SidecarTelemetry } from '../metrics/telemetry.js';
import { CallMonitor, outcomeOf } from '../proxy/call-monitor.js';

/** A complete copy of one call, from whichever tap delivered it. */
export interface TappedCall {
  monitor: CallMonitor;
  requestBody: Buffer;
  requestHeaders: IncomingHttpHeaders;
  /** The model server's status (KServe's logger does not send it: 200 is assumed there). */
  status: number;
  /** `undefined` when the copy of the answer was cut short (too large to tap). */
  responseBody: Buffer | undefined;
  responseBytes: number;
  responseHeaders: IncomingHttpHeaders;
  /** Time from request to response as the tap saw it. */
  seconds: number;
  /** Time in the model server when the tap knows it apart (nginx's upstream time), else `seconds`. */
  inferenceSeconds?: number;
}

/**
 * Records a tapped call with exactly the steps the inline proxy takes (CallMonitor), so the same
 * traffic gives the same metrics in either mode: an invalid request is counted as the inline
 * proxy's 400 refusal would be; a valid one as an answered call.
 */
export class TapRecorder {
  constructor(private readonly telemetry: SidecarTelemetry) {}

  record(call: TappedCall): void {
    const t = this.telemetry;
    const request = call.monitor.codec.parseRequest(call.requestBody, call.requestHeaders);
    t.requestStarted();
    if (call.monitor.refused(request)) {
      const status = call.status >= 400 ? call.status : request.status;
      t.requestFinished(Outcome.clientError, status, call.seconds, call.requestBody.length, call.responseBytes);
      return;
    }
    call.monitor.observe({
      request,
      requestHeaders: call.requestHeaders,
      requestBytes: call.requestBody.length,
      status: call.status,
      responseBody: call.responseBody,
      responseBytes: call.responseBytes,
      responseHeaders: call.responseHeaders,
      inferenceSeconds: call.inferenceSeconds ?? call.seconds,
    });
    t.requestFinished(outcomeOf(call.status), call.status, call.seconds, call.requestBody.length, call.responseBytes);
  }
}

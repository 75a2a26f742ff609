import type { SidecarConfig } from '../config/types.js';
import type { SidecarTelemetry } from '../metrics/telemetry.js';
import type { PredictionLog } from '../predictions/prediction-log.js';
import type { RequestTracer } from '../tracing/tracing.js';

/** What every request handler shares; built once by startSidecar. */
export interface Runtime {
  readonly config: SidecarConfig;
  readonly telemetry: SidecarTelemetry;
  readonly tracer: RequestTracer;
  /** Rate-limited operator log (bad input must not flood the logs). */
  readonly log: (message: string) => void;
  /** Prediction ids on answers and the sampled prediction log (sidecar/src/predictions/). */
  readonly predictions: PredictionLog;
}

/** At most `perMinute` lines a minute, then one summary of what was dropped. */
export function rateLimitedLog(write: (line: string) => void, perMinute = 20): (message: string) => void {
  let windowStart = 0;
  let written = 0;
  let dropped = 0;
  return (message) => {
    const now = Date.now();
    if (now - windowStart >= 60_000) {
      if (dropped > 0) write(`modelwatch sidecar: ${dropped} log lines dropped in the last minute`);
      windowStart = now;
      written = 0;
      dropped = 0;
    }
    if (written < perMinute) {
      written++;
      write(`modelwatch sidecar: ${message}`);
    } else dropped++;
  };
}

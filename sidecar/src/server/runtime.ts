import { rateLimitedLog as coreRateLimitedLog, type LogFn } from '@modelwatch/core';
import type { SidecarConfig } from '../config/types.js';
import type { SidecarTelemetry } from '../metrics/telemetry.js';
import type { PredictionRecorder } from '../predictions/prediction-log.js';
import type { RequestTracer } from '../tracing/tracing.js';

/** What every request handler shares; built once by startSidecar. */
export interface Runtime {
  readonly config: SidecarConfig;
  readonly telemetry: SidecarTelemetry;
  readonly tracer: RequestTracer;
  /** Rate-limited operator log (bad input must not flood the logs). */
  readonly log: LogFn;
  /** Prediction ids on answers and the sampled prediction log (sidecar/src/predictions/). */
  readonly predictions: PredictionRecorder;
}

/** The sidecar's operator log: core's rate-limited log with the sidecar's prefix. */
export function rateLimitedLog(write: (line: string) => void, perMinute = 20): LogFn {
  return coreRateLimitedLog(write, { prefix: 'modelwatch sidecar', perMinute });
}

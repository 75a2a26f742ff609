import type { IncomingHttpHeaders } from 'node:http';
import type { InputBatch, OutputBatch, Parsed } from './types.js';

export type ProtocolName = 'oip' | 'tfserving' | 'mlflow' | 'json';

/** What a request path says about the call: the model (and version) it targets, when the path names them. */
export interface InferenceRoute {
  model?: string;
  version?: string;
}

/**
 * One wire protocol, seen by the proxy: which calls are inference calls, and how their bodies
 * turn into protocol-neutral batches. Built once at startup from configuration; every method is
 * safe on the hot path (no throwing, no per-request compilation).
 */
export interface ProtocolCodec {
  readonly protocol: ProtocolName;
  /** `null` when the call is not an inference call (health, metadata…): proxy it unmonitored. */
  matchInference(method: string, path: string): InferenceRoute | null;
  parseRequest(body: Buffer, headers: IncomingHttpHeaders): Parsed<InputBatch>;
  parseResponse(body: Buffer, headers: IncomingHttpHeaders): Parsed<OutputBatch>;
}

/** Options common to the codecs: names for positional features when the payload has none. */
export interface CodecOptions {
  /** Feature names for the columns of a row-array / 2-D tensor input, in order (config or baseline). */
  featureNames?: readonly string[];
  /** Output names for positional outputs (e.g. `predictions`). */
  outputName?: string;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

import type { Protocol } from '../config/types.js';
import type { CodecOptions, ProtocolCodec } from '../protocols/codec.js';
import { createOipCodec } from '../protocols/oip.js';

/** The codec of each proxy protocol; resolveConfig already restricted `protocol` to these names. */
const FACTORIES: Partial<Record<Protocol, (options: CodecOptions & { jsonPointers?: { inputs: string; outputs: string } }) => ProtocolCodec>> = {
  oip: createOipCodec,
};

export function availableProtocols(): Protocol[] {
  return Object.keys(FACTORIES) as Protocol[];
}

export function createCodec(protocol: Protocol, options: CodecOptions & { jsonPointers?: { inputs: string; outputs: string } }): ProtocolCodec | undefined {
  return FACTORIES[protocol]?.(options);
}

/** Where the proxy probes the upstream for readiness (any HTTP answer means it is up). */
export function readinessPath(protocol: Protocol, model: string): string {
  switch (protocol) {
    case 'oip': return '/v2/health/ready';
    case 'tfserving': return `/v1/models/${encodeURIComponent(model)}`;
    case 'mlflow': return '/ping';
    default: return '/';
  }
}

import type { ModelSource, Protocol } from '../config/types.js';
import type { ProtocolCodec } from '../protocols/codec.js';
import { createProtocolCodec } from '../protocols/registry.js';

/** Builds the proxy's codec once at startup from the validated model source. */
export function createCodec(source: Extract<ModelSource, { kind: 'proxy' }>, featureNames: string[] | undefined): ProtocolCodec {
  const options = featureNames ? { featureNames } : {};
  if (source.protocol === 'json') return createProtocolCodec({ protocol: 'json', ...options, ...source.json! });
  return createProtocolCodec({ protocol: source.protocol, ...options });
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

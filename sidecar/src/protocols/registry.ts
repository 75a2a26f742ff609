import type { CodecOptions, ProtocolCodec, ProtocolName } from './codec.js';
import { createOipCodec } from './oip.js';
import { createTfServingCodec } from './tfserving.js';
import { createMlflowCodec } from './mlflow.js';
import { createJsonCodec, type JsonCodecConfig } from './json.js';

export type CodecConfig =
  | ({ protocol: 'oip' | 'tfserving' | 'mlflow' } & CodecOptions)
  | ({ protocol: 'json' } & JsonCodecConfig);

/** Builds the codec of the configured protocol once at startup (throws MW_ERR_* on a bad pointer or path). */
export function createProtocolCodec(config: CodecConfig): ProtocolCodec {
  switch (config.protocol) {
    case 'oip':
      return createOipCodec(config);
    case 'tfserving':
      return createTfServingCodec(config);
    case 'mlflow':
      return createMlflowCodec(config);
    case 'json':
      return createJsonCodec(config);
  }
}

export const PROTOCOLS: readonly ProtocolName[] = ['oip', 'tfserving', 'mlflow', 'json'];

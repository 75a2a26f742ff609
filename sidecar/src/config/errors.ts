/**
 * Configuration errors, fastify-style: a stable code, the key, the bad value and what is allowed,
 * so a wrong config fails fast at startup with a message the operator can act on.
 */
export const ConfigErrorCode = {
  unknownKey: 'MW_ERR_CONFIG_UNKNOWN_KEY',
  invalidType: 'MW_ERR_CONFIG_INVALID_TYPE',
  outOfRange: 'MW_ERR_CONFIG_OUT_OF_RANGE',
  notAllowed: 'MW_ERR_CONFIG_NOT_ALLOWED',
  modelSource: 'MW_ERR_CONFIG_MODEL_SOURCE',
  baselineSource: 'MW_ERR_CONFIG_BASELINE_SOURCE',
  file: 'MW_ERR_CONFIG_FILE',
} as const;
export type ConfigErrorCodeValue = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCodeValue,
    readonly key: string,
    message: string,
  ) {
    super(`${code}: ${key}: ${message}`);
  }
}

/** Renders a value for an error message without dumping huge objects. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

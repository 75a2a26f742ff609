import { ConfigError as CoreConfigError, ConfigErrors, type ErrorSpec } from '@modelwatch/core';

/**
 * Sidecar configuration errors come from core's catalogue (MW_ERR_CONFIG_*): a stable code, the
 * key, the bad value and what is allowed, so a wrong config fails fast at startup with a message
 * the operator can act on. `ConfigErrorCode.x` names the catalogue spec.
 */
export const ConfigErrorCode = {
  unknownKey: ConfigErrors.unknownKey,
  invalidType: ConfigErrors.invalidType,
  outOfRange: ConfigErrors.outOfRange,
  notAllowed: ConfigErrors.notAllowed,
  modelSource: ConfigErrors.modelSource,
  baselineSource: ConfigErrors.baselineSource,
  file: ConfigErrors.file,
  tls: ConfigErrors.tls,
} as const satisfies Record<string, ErrorSpec>;
export type ConfigErrorCodeValue = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** The one configuration error class of the product (core's), re-exported for the sidecar's callers. */
export const ConfigError = CoreConfigError;
export type ConfigError = CoreConfigError;

/** Renders a value for an error message without dumping huge objects. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

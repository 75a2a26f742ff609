import { ConfigErrors, type ErrorSpec } from './catalogue.js';
import { ModelwatchError } from './modelwatch-error.js';

/**
 * A configuration error refused at startup (flags, config files, option objects): the catalogue
 * code, the key that is wrong and what would be valid. The sidecar, the collector and the CLI all
 * throw this one class, so `instanceof ConfigError` means the same everywhere (exit code 2).
 */
export class ConfigError extends ModelwatchError {
  override readonly name: string = 'ConfigError';

  constructor(
    spec: ErrorSpec,
    readonly key: string,
    detail: string,
  ) {
    super(spec, { key, detail });
  }
}

/** Config specs by code, for callers that still name an error by its code string. */
const BY_CODE = new Map<string, ErrorSpec>(Object.values(ConfigErrors).map((s) => [s.code, s]));

export function configSpec(code: string): ErrorSpec {
  return BY_CODE.get(code) ?? ConfigErrors.collector;
}

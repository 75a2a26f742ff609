import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, ConfigErrorCode } from './errors.js';
import type { SidecarConfigInput } from './types.js';

/** Reads a YAML or JSON config file (YAML is a superset of JSON). Throws ConfigError naming the file. */
export function readConfigFile(path: string): SidecarConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(ConfigErrorCode.file, path, `cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(ConfigErrorCode.file, path, `not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConfigError(ConfigErrorCode.file, path, 'expected a mapping of configuration keys at the top level');
  }
  return doc as SidecarConfigInput;
}

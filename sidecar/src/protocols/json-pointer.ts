import { ConfigError, ConfigErrors } from '@modelwatch/core';
/**
 * RFC 6901 JSON Pointer, compiled once at startup: evaluating a request is a walk over
 * pre-decoded reference tokens.
 */
export interface JsonPointer {
  readonly source: string;
  /** `undefined` when the pointer does not resolve in `doc`. */
  get(doc: unknown): unknown;
}

export function compileJsonPointer(pointer: string): JsonPointer {
  if (pointer !== '' && !pointer.startsWith('/')) {
    throw new ConfigError(ConfigErrors.jsonPointer, 'json', `${JSON.stringify(pointer)} is not a JSON pointer; it must be "" or start with "/" (e.g. "/data/inputs")`);
  }
  const tokens = pointer === '' ? [] : pointer.slice(1).split('/').map((t) => {
    if (/~[^01]|~$/.test(t)) {
      throw new ConfigError(ConfigErrors.jsonPointer, 'json', `${JSON.stringify(pointer)} has an invalid escape; "~" must be followed by 0 or 1`);
    }
    // Order matters (RFC 6901 §4): ~1 first, then ~0, so "~01" decodes to "~1".
    return t.replace(/~1/g, '/').replace(/~0/g, '~');
  });
  const indexes = tokens.map((t) => (/^(0|[1-9]\d*)$/.test(t) ? Number(t) : -1));
  return {
    source: pointer,
    get(doc: unknown): unknown {
      let cur = doc;
      for (let i = 0; i < tokens.length; i++) {
        if (Array.isArray(cur)) {
          if (indexes[i] < 0 || indexes[i] >= cur.length) return undefined;
          cur = cur[indexes[i]];
        } else if (typeof cur === 'object' && cur !== null && Object.hasOwn(cur, tokens[i])) {
          cur = (cur as Record<string, unknown>)[tokens[i]];
        } else return undefined;
      }
      return cur;
    },
  };
}

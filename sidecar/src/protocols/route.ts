import { ConfigError, ConfigErrors } from '@modelwatch/core';
/**
 * Path matching decided at startup: a template such as `/v2/models/{model}/infer` is split into
 * segments once; matching a request is a segment walk (no regex built or run per request).
 */
export type RouteParams = Record<string, string>;

export interface PathMatcher {
  readonly template: string;
  match(path: string): RouteParams | null;
}

type Segment = { literal: string } | { param: string; suffix: string };

/**
 * Compiles a path template. `{name}` captures a whole segment; `{name}:verb` captures a segment
 * that ends with a literal suffix (TF Serving's `/v1/models/{model}:predict`).
 */
export function compilePath(template: string): PathMatcher {
  if (!template.startsWith('/')) {
    throw new ConfigError(ConfigErrors.routeTemplate, 'json.path', `path template ${JSON.stringify(template)} must start with "/"`);
  }
  const segments: Segment[] = template.slice(1).split('/').map((s) => {
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}(.*)$/.exec(s);
    return m ? { param: m[1], suffix: m[2] } : { literal: s };
  });
  return {
    template,
    match(rawPath: string): RouteParams | null {
      const q = rawPath.indexOf('?');
      const path = q < 0 ? rawPath : rawPath.slice(0, q);
      if (path.charCodeAt(0) !== 47 /* / */) return null;
      const parts = path.slice(1).split('/');
      if (parts.length !== segments.length) return null;
      let params: RouteParams | null = null;
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i];
        const part = parts[i];
        if ('literal' in seg) {
          if (seg.literal !== part) return null;
          continue;
        }
        if (!part.endsWith(seg.suffix) || part.length === seg.suffix.length) return null;
        let value = part.slice(0, part.length - seg.suffix.length);
        if (value.includes('%')) {
          try {
            value = decodeURIComponent(value);
          } catch {
            return null;
          }
        }
        (params ??= {})[seg.param] = value;
      }
      return params ?? {};
    },
  };
}

/** First matching template wins; templates are tried in the order given. */
export function compilePaths(templates: readonly string[]): (path: string) => RouteParams | null {
  const matchers = templates.map(compilePath);
  return (path) => {
    for (const m of matchers) {
      const p = m.match(path);
      if (p) return p;
    }
    return null;
  };
}

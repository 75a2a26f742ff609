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
  const n = segments.length;
  return {
    template,
    // A walk over the path with indexOf: no split array and no string per segment (the route is
    // matched once or more per request; only a parameter's value becomes a string).
    match(rawPath: string): RouteParams | null {
      let end = rawPath.indexOf('?');
      if (end < 0) end = rawPath.length;
      if (end === 0 || rawPath.charCodeAt(0) !== 47 /* / */) return null;
      let params: RouteParams | null = null;
      let start = 1;
      for (let i = 0; i < n; i++) {
        let stop = rawPath.indexOf('/', start);
        if (stop < 0 || stop > end) stop = end;
        // The last segment ends the path; any other ends at a slash.
        if ((i === n - 1) !== (stop === end)) return null;
        const seg = segments[i];
        if ('literal' in seg) {
          if (stop - start !== seg.literal.length || !rawPath.startsWith(seg.literal, start)) return null;
        } else {
          const suffix = seg.suffix;
          if (stop - start <= suffix.length || !rawPath.endsWith(suffix, stop)) return null;
          let value = rawPath.slice(start, stop - suffix.length);
          if (value.includes('%')) {
            try {
              value = decodeURIComponent(value);
            } catch {
              return null;
            }
          }
          (params ??= {})[seg.param] = value;
        }
        start = stop + 1;
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

import { describe, expect, it } from 'vitest';
import { compilePath, type RouteParams } from '../../src/protocols/route.js';
import { rng } from '../fixtures/random.js';

/** The matcher as it was before it walked the path with indexOf (split on '/'): the reference. */
function reference(template: string): (rawPath: string) => RouteParams | null {
  const segments = template.slice(1).split('/').map((s) => {
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}(.*)$/.exec(s);
    return m ? { param: m[1], suffix: m[2] } : { literal: s };
  });
  return (rawPath) => {
    const q = rawPath.indexOf('?');
    const path = q < 0 ? rawPath : rawPath.slice(0, q);
    if (path.charCodeAt(0) !== 47) return null;
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
  };
}

const TEMPLATES = ['/v2/models/{model}/infer', '/v2/models/{model}/versions/{version}/infer', '/v1/models/{model}:predict', '/invocations', '/', '/predict/', '/models/{model}/score'];
const PIECES = ['v2', 'v1', 'models', 'bench', 'm%20x', '%E0%A4%A', 'versions', '3', 'infer', 'score', 'predict', 'invocations', ':predict', 'a:predict', '', '?', '?a=/b', '%', 'é', '//'];

describe('path templates', () => {
  it('match every path as the split-based matcher did: 50,000 random paths against each template', () => {
    const r = rng(11);
    for (const template of TEMPLATES) {
      const fast = compilePath(template);
      const ref = reference(template);
      for (let i = 0; i < 50_000; i++) {
        const n = Math.floor(r() * 7);
        let path = (r() < 0.95 ? '/' : '') + Array.from({ length: n }, () => PIECES[Math.floor(r() * PIECES.length)]).join(r() < 0.9 ? '/' : '');
        if (r() < 0.3) path = template.replace('{model}', PIECES[Math.floor(r() * PIECES.length)]).replace('{version}', PIECES[Math.floor(r() * PIECES.length)]) + (r() < 0.3 ? PIECES[Math.floor(r() * PIECES.length)] : '');
        expect(fast.match(path), `${template} ${JSON.stringify(path)}`).toEqual(ref(path));
      }
    }
  });

  it('capture parameters, decoded, and ignore the query', () => {
    const infer = compilePath('/v2/models/{model}/versions/{version}/infer');
    expect(infer.match('/v2/models/m%20x/versions/3/infer?x=/y')).toEqual({ model: 'm x', version: '3' });
    expect(infer.match('/v2/models/m/versions//infer')).toBeNull();
    expect(compilePath('/v1/models/{model}:predict').match('/v1/models/:predict')).toBeNull();
    expect(compilePath('/v1/models/{model}:predict').match('/v1/models/a:predict')).toEqual({ model: 'a' });
  });
});

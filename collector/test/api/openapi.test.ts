import { describe, expect, it } from 'vitest';
import { OPENAPI } from '../../src/index.js';
import { buildTestApp } from '../helpers/app.js';

/** Every (METHOD, /path/{param}) the Express app routes. */
function servedRoutes(): string[] {
  const app = buildTestApp() as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
  return app.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`)
      : [],
  );
}

function documentedRoutes(): string[] {
  return Object.entries(OPENAPI.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((k) => ['get', 'post', 'put', 'delete', 'patch'].includes(k))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('OpenAPI description', () => {
  it('is OpenAPI 3.1', () => {
    expect(OPENAPI.openapi).toBe('3.1.0');
  });

  it('lists exactly the routes the app serves', () => {
    const served = servedRoutes();
    expect(served.length).toBeGreaterThan(10);
    expect([...served].sort()).toEqual([...documentedRoutes()].sort());
  });

  it('marks exactly the write routes as needing the bearer token', () => {
    const secured = Object.entries(OPENAPI.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => typeof op === 'object' && op !== null && 'security' in op)
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    );
    const writes = documentedRoutes().filter((r) => r.startsWith('POST') || r.startsWith('DELETE'));
    expect(secured.sort()).toEqual(writes.sort());
  });
});

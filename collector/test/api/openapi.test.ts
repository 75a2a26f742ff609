import { describe, expect, it } from 'vitest';
import { OPENAPI } from '../../src/index.js';
import { buildTestApp } from '../helpers/app.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (METHOD, /path/{param}) the Express app routes, including routes of mounted routers. */
function servedRoutes(): string[] {
  const app = buildTestApp() as unknown as { router: { stack: Layer[] } };
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods)
            .filter((m) => m !== '_all')
            .map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`)
        : layer.handle?.stack
          ? walk(layer.handle.stack)
          : [],
    );
  return walk(app.router.stack);
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

  it('marks exactly the write routes and the payload reads as needing the bearer token', () => {
    const secured = Object.entries(OPENAPI.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => typeof op === 'object' && op !== null && 'security' in op)
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    );
    const writes = documentedRoutes().filter((r) => r.startsWith('POST') || r.startsWith('DELETE'));
    const payloadReads = [
      'GET /api/v1/models/{model}/predictions',
      'GET /api/v1/models/{model}/predictions/{id}',
      // Review items and training exports carry the records' inputs.
      'GET /api/v1/review',
      'GET /api/v1/models/{model}/dataset',
    ];
    expect(secured.sort()).toEqual([...writes, ...payloadReads].sort());
  });
});

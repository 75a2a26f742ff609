import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/index.js';
import { createProfile, createPushedWindow } from '../helpers/factories.js';
import { call } from '../helpers/http.js';

const TOKEN = 's3cret-token';
const dir = mkdtempSync(join(tmpdir(), 'mw-rest-'));
let c: RunningCollector;
const api = (path: string) => `${c.url}/api/v1${path}`;
let uniq = 0;
/** A fresh model name per test so tests do not depend on each other's uploads. */
const newModel = () => `model-${uniq++}`;

async function upload(model: string, query = '') {
  return call(api(`/models/${model}/baselines${query}`), { body: createProfile(model), token: TOKEN });
}

beforeAll(async () => {
  c = await startCollector({ port: 0, db: join(dir, 'rest.db'), token: TOKEN, maxBodyBytes: 64 * 1024, evaluateEvery: '1h' });
});
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('baseline registry', () => {
  it('stores an uploaded profile as version 1, active, and serves it back', async () => {
    const m = newModel();
    const res = await upload(m);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ model: m, version: '1', active: true });
    expect(res.headers.get('location')).toBe(`/api/v1/models/${m}/baselines/1`);
    const active = await call(api(`/models/${m}/baselines/active`));
    expect(active.status).toBe(200);
    expect(active.body).toEqual({ ...createProfile(m), version: '1' });
    expect((await call(api(`/models/${m}/baselines/1`))).body.version).toBe('1');
  });

  it('keeps the active version when uploaded with activate=false', async () => {
    const m = newModel();
    await upload(m);
    const second = await upload(m, '?activate=false');
    expect(second.body).toEqual({ model: m, version: '2', active: false });
    const list = await call(api(`/models/${m}/baselines`));
    expect(list.body.versions.map((v: { version: string; active: boolean }) => [v.version, v.active])).toEqual([
      ['1', true],
      ['2', false],
    ]);
  });

  it('activates another version and then deletes the inactive one', async () => {
    const m = newModel();
    await upload(m);
    await upload(m);
    const act = await call(api(`/models/${m}/baselines/1/activate`), { method: 'POST', token: TOKEN });
    expect(act).toMatchObject({ status: 200, body: { model: m, version: '1', active: true } });
    const del = await call(api(`/models/${m}/baselines/2`), { method: 'DELETE', token: TOKEN });
    expect(del.status).toBe(204);
    expect((await call(api(`/models/${m}/baselines/2`))).status).toBe(404);
  });

  it('lists models with their active version', async () => {
    const m = newModel();
    await upload(m);
    const res = await call(api('/models'));
    expect(res.body.models).toContainEqual({ model: m, activeVersion: '1', versions: 1 });
  });

  it('returns 409 when deleting the active version', async () => {
    const m = newModel();
    await upload(m);
    const res = await call(api(`/models/${m}/baselines/1`), { method: 'DELETE', token: TOKEN });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/active baseline/);
  });

  it('returns 404 for the active baseline when no version is active', async () => {
    const m = newModel();
    await upload(m, '?activate=false');
    const res = await call(api(`/models/${m}/baselines/active`));
    expect(res.status).toBe(404);
    expect(res.body.error).toMatch(/no active baseline/);
  });
});

describe('auth', () => {
  it('returns 401 with a Bearer challenge when a write has no token', async () => {
    const m = newModel();
    const res = await call(api(`/models/${m}/baselines`), { body: createProfile(m) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.body.error).toMatch(/Authorization: Bearer/);
  });

  it('returns 401 for a wrong token of any length', async () => {
    const m = newModel();
    for (const token of ['x', `${TOKEN}x`, TOKEN.toUpperCase()]) {
      const res = await call(api(`/models/${m}/baselines`), { body: createProfile(m), token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid bearer token', code: 'MW_ERR_AUTH_INVALID_TOKEN' });
    }
  });

  it('guards activate, delete and window pushes too, but not reads', async () => {
    const m = newModel();
    await upload(m);
    expect((await call(api(`/models/${m}/baselines/1/activate`), { method: 'POST' })).status).toBe(401);
    expect((await call(api(`/models/${m}/baselines/1`), { method: 'DELETE' })).status).toBe(401);
    expect((await call(api(`/models/${m}/windows`), { body: createPushedWindow({ model: m }) })).status).toBe(401);
    expect((await call(api(`/models/${m}/baselines`))).status).toBe(200);
  });
});

describe('bad input', () => {
  it('returns 400 for malformed JSON', async () => {
    const m = newModel();
    const res = await call(api(`/models/${m}/baselines`), { body: '{"schema":', token: TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/malformed JSON/);
  });

  it('returns 400 naming the bad field of an invalid profile', async () => {
    const m = newModel();
    const profile = createProfile(m);
    (profile.features[0] as { bins: { edges: number[] } }).bins.edges = [2, 1, 3];
    const res = await call(api(`/models/${m}/baselines`), { body: profile, token: TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/\$\.features\[0\]\.bins\.edges/);
  });

  it('returns 400 when the profile belongs to another model', async () => {
    const m = newModel();
    const res = await call(api(`/models/${m}/baselines`), { body: createProfile('someone-else'), token: TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/does not match/);
  });

  it('returns 400 for a model name outside the label alphabet', async () => {
    const res = await call(api(`/models/${encodeURIComponent('bad name"')}/baselines`), { body: createProfile('x'), token: TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/model name/);
  });

  it('returns 400 for an activate flag that is not true or false', async () => {
    const m = newModel();
    const res = await upload(m, '?activate=yes');
    expect(res.status).toBe(400);
  });

  it('returns 400 for an empty body', async () => {
    const m = newModel();
    const res = await call(api(`/models/${m}/baselines`), { body: '', token: TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/empty/);
  });

  it('returns 415 for an unsupported content type', async () => {
    const m = newModel();
    const res = await call(api(`/models/${m}/baselines`), { body: '<xml/>', type: 'application/xml', token: TOKEN });
    expect(res.status).toBe(415);
    expect(res.body.error).toMatch(/text\/csv/);
  });

  it('returns 413 for a body over the limit', async () => {
    const m = newModel();
    const res = await call(api(`/models/${m}/baselines`), { body: 'x'.repeat(65 * 1024), token: TOKEN });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatch(/65536 bytes/);
  });

  it('returns 400 for a history limit out of range', async () => {
    const m = newModel();
    await upload(m);
    for (const limit of ['0', '1001', 'abc']) {
      expect((await call(api(`/models/${m}/drift/history?limit=${limit}`))).status).toBe(400);
    }
  });
});

describe('not found', () => {
  it('returns 404 for every per-model read of an unknown model', async () => {
    for (const path of ['/baselines', '/baselines/active', '/baselines/1', '/drift', '/drift/history']) {
      const res = await call(api(`/models/never-uploaded${path}`));
      expect(res.status, path).toBe(404);
      expect(res.body.error).toMatch(/unknown model/);
    }
  });

  it('returns 404 for an unknown or malformed version', async () => {
    const m = newModel();
    await upload(m);
    for (const v of ['7', 'abc', '0']) {
      expect((await call(api(`/models/${m}/baselines/${v}`))).status).toBe(404);
      expect((await call(api(`/models/${m}/baselines/${v}/activate`), { method: 'POST', token: TOKEN })).status).toBe(404);
      expect((await call(api(`/models/${m}/baselines/${v}`), { method: 'DELETE', token: TOKEN })).status).toBe(404);
    }
  });

  it('returns a JSON 404 for an unknown route', async () => {
    const res = await call(`${c.url}/nope`);
    expect(res).toMatchObject({ status: 404, body: { error: 'no route GET /nope' } });
  });
});

describe('pushed windows', () => {
  it('accepts a window once and recognises its retry as a duplicate', async () => {
    const m = newModel();
    await upload(m);
    const w = createPushedWindow({ model: m, source: 'edge-a', seq: 5 });
    const first = await call(api(`/models/${m}/windows`), { body: w, token: TOKEN });
    const retry = await call(api(`/models/${m}/windows`), { body: w, token: TOKEN });
    expect(first).toMatchObject({ status: 202, body: { status: 'accepted' } });
    expect(retry).toMatchObject({ status: 202, body: { status: 'duplicate' } });
    const metrics = (await call(`${c.url}/metrics`)).body as string;
    expect(metrics).toContain(`modelwatch_pushed_windows_total{model="${m}",outcome="accepted"} 1`);
    expect(metrics).toContain(`modelwatch_pushed_windows_total{model="${m}",outcome="duplicate"} 1`);
  });

  it('returns 400 naming the bad field and counts the rejection', async () => {
    const m = newModel();
    await upload(m);
    const bad = { ...createPushedWindow({ model: m }), seq: -1 };
    const res = await call(api(`/models/${m}/windows`), { body: bad, token: TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/seq must be an integer/);
    const counts = { ...createPushedWindow({ model: m }), features: [{ name: 'x', type: 'numeric', counts: [1, -2], missing: 0 }] };
    expect((await call(api(`/models/${m}/windows`), { body: counts, token: TOKEN })).body.error).toMatch(/counts\[1\]/);
    const metrics = (await call(`${c.url}/metrics`)).body as string;
    expect(metrics).toContain(`modelwatch_pushed_windows_total{model="${m}",outcome="rejected"} 2`);
  });

  it('returns 404 for a push to a model without baselines, without creating a series for it', async () => {
    const res = await call(api('/models/ghost/windows'), { body: createPushedWindow({ model: 'ghost' }), token: TOKEN });
    expect(res.status).toBe(404);
    expect((await call(`${c.url}/metrics`)).body).not.toContain('model="ghost"');
  });

  it('returns 415 for a push that is not JSON', async () => {
    const m = newModel();
    await upload(m);
    const res = await call(api(`/models/${m}/windows`), { body: 'a,b', type: 'text/csv', token: TOKEN });
    expect(res.status).toBe(415);
  });
});

describe('operations', () => {
  it('answers health and readiness', async () => {
    expect(await call(`${c.url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call(`${c.url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ready' } });
  });
});

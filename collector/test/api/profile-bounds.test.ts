import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { createProfile } from '../helpers/factories.js';
import { call } from '../helpers/http.js';

let server: Server;
let url: string;
beforeAll(async () => {
  server = buildTestApp({ maxBodyBytes: 16 * 1024 * 1024 }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function wideProfile(features: number) {
  const profile = createProfile('wide');
  const [numeric] = profile.features;
  profile.features = Array.from({ length: features }, (_, i) => ({ ...numeric, name: `f${i}` }));
  return profile;
}

describe('profile bounds', () => {
  it('accepts a profile with 2,000 features', async () => {
    expect((await call(`${url}/api/v1/models/wide/baselines`, { body: wideProfile(2000) })).status).toBe(201);
  });

  it('returns 400 for a profile with more features than the collector monitors per model', async () => {
    const res = await call(`${url}/api/v1/models/wide/baselines`, { body: wideProfile(2001) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/2001 features and outputs; the collector monitors at most 2000/);
  });
});

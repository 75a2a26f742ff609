import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolveOptions, startCollector, type RunningCollector } from '../../src/index.js';
import { createTestPki, type TestPki } from '../../../core/test/helpers/certs.js';

let pki: TestPki;
let c: RunningCollector;
let cert: string;
let key: string;

interface Answer { status: number; body: any; fingerprint: string }

function get(path: string, client?: { cert: string; key: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${c.url}${path}`, {
      ca: readFileSync(pki.ca),
      ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
      agent: false,
    }, (res) => {
      let text = '';
      res.on('data', (d) => (text += String(d)));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        body: text ? JSON.parse(text) : undefined,
        fingerprint: (res.socket as TLSSocket).getPeerCertificate().fingerprint256,
      }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  pki = createTestPki();
  // The collector reads these paths; the test rotates what is behind them.
  cert = join(pki.dir, 'live.crt');
  key = join(pki.dir, 'live.key');
  copyFileSync(pki.serverCert, cert);
  copyFileSync(pki.serverKey, key);
  c = await startCollector({ port: 0, db: ':memory:', evaluateEvery: '1h', tlsCert: cert, tlsKey: key, tlsClientCa: pki.ca });
});
afterAll(async () => {
  await c?.close();
  pki?.cleanup();
});

describe('collector over TLS', () => {
  it('serves HTTPS and answers API calls that present a client certificate from the CA', async () => {
    expect(c.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get('/api/v1/models', { cert: pki.clientCert, key: pki.clientKey });
    expect(res).toMatchObject({ status: 200, body: { models: [] } });
  });

  it('answers 401 in JSON without a client certificate, or with one from another CA, but lets probes through', async () => {
    const none = await get('/api/v1/models');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('MW_ERR_AUTH_CLIENT_CERTIFICATE');
    expect((await get('/api/v1/models', { cert: pki.otherCert, key: pki.otherKey })).status).toBe(401);
    expect((await get('/healthz')).status).toBe(200);
  });

  it('reloads a rotated certificate, and keeps the old one when the new files are broken', async () => {
    const before = (await get('/healthz')).fingerprint;
    const rotated = pki.issueServer('rotated');
    copyFileSync(rotated.cert, cert);
    copyFileSync(rotated.key, key);
    expect(c.reloadTls()).toBe(true);
    const after = (await get('/healthz')).fingerprint;
    expect(after).not.toBe(before);
    writeFileSync(key, 'not a key');
    expect(c.reloadTls()).toBe(false);
    expect((await get('/healthz')).fingerprint).toBe(after);
    const text = await new Promise<string>((resolve, reject) => {
      request(`${c.url}/metrics`, { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey), agent: false }, (res) => {
        let t = '';
        res.on('data', (d) => (t += String(d)));
        res.on('end', () => resolve(t));
      }).on('error', reject).end();
    });
    expect(text).toMatch(/modelwatch_collector_tls_certificate_reloads_total\{outcome="success"\} 1/);
    expect(text).toMatch(/modelwatch_collector_tls_certificate_reloads_total\{outcome="failure"\} 1/);
  });

  it('refuses half or mismatched TLS configuration at startup', () => {
    const codeOf = (o: Parameters<typeof resolveOptions>[0]) => {
      try {
        resolveOptions(o);
      } catch (err) {
        return err instanceof ConfigError ? err.code : String(err);
      }
      return undefined;
    };
    expect(codeOf({ tlsCert: pki.serverCert })).toBe('MW_COLLECTOR_TLS');
    expect(codeOf({ tlsClientCa: pki.ca })).toBe('MW_COLLECTOR_TLS');
    expect(codeOf({ tlsCert: pki.serverCert, tlsKey: pki.otherKey })).toBe('MW_ERR_CONFIG_TLS');
    expect(codeOf({ tlsCert: join(pki.dir, 'missing.crt'), tlsKey: pki.serverKey })).toBe('MW_ERR_CONFIG_TLS');
  });
});

import { copyFileSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '@modelwatch/collector';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { createTestPki, type TestPki } from '../../../core/test/helpers/certs.js';
import { sample, until } from '../runtime/fixtures/http.js';
import { createBaseline, inferBody, tempDir, writeClassifier } from '../runtime/fixtures/model.js';

/** HTTPS in and out of the sidecar, with certificates a real openssl made for this run. */
let pki: TestPki;
const tmp = tempDir();
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  pki = createTestPki();
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  pki.cleanup();
  tmp.cleanup();
});

function call(url: string, body?: string): Promise<{ status: number; text: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: body ? 'POST' : 'GET', ca: readFileSync(pki.ca), agent: false, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (d) => (text += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, fingerprint: (res.socket as TLSSocket).getPeerCertificate().fingerprint256 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function keep<T extends { close(): Promise<void> }>(x: Promise<T>): Promise<T> {
  const v = await x;
  cleanups.push(() => v.close());
  return v;
}

describe('sidecar TLS', () => {
  it('serves inference over HTTPS and reloads a rotated certificate', async () => {
    const cert = join(pki.dir, 'sidecar.crt');
    const key = join(pki.dir, 'sidecar.key');
    copyFileSync(pki.serverCert, cert);
    copyFileSync(pki.serverKey, key);
    const sc: RunningSidecar = await keep(startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0, tls: { cert, key } }, { log: () => {}, defaultMetrics: false }));
    expect(sc.url).toMatch(/^https:/);
    const first = await call(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 2, 3]]));
    expect(first.status).toBe(200);
    await expect(fetch(sc.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    const rotated = pki.issueServer('sidecar-rotated');
    copyFileSync(rotated.cert, cert);
    copyFileSync(rotated.key, key);
    expect(sc.reloadTls()).toBe(true);
    expect((await call(`${sc.url}/healthz`)).fingerprint).not.toBe(first.fingerprint);
  });

  it('proxies to an https upstream it trusts through --upstream-ca, and answers 502 without it', async () => {
    const upstream: Server = createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ model_name: 'm', outputs: [{ name: 'y', shape: [1], datatype: 'FP32', data: [0.5] }] }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => upstream.close(() => r())));
    const url = `https://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    const trusted = await keep(startSidecar({ upstream: url, name: 'm', port: 0, tls: { upstreamCa: pki.ca } }, { log: () => {}, defaultMetrics: false }));
    const ok = await fetch(`${trusted.url}/v2/models/m/infer`, { method: 'POST', body: inferBody([[1, 2, 3]]), headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(sample(await trusted.telemetry.metrics(), 'modelwatch_predictions_total')).toBe(1);
    const untrusted = await keep(startSidecar({ upstream: url, name: 'm', port: 0 }, { log: () => {}, defaultMetrics: false }));
    const refused = await fetch(`${untrusted.url}/v2/models/m/infer`, { method: 'POST', body: inferBody([[1, 2, 3]]), headers: { 'content-type': 'application/json' } });
    expect(refused.status).toBe(502);
  });

  it('loads its baseline from, and pushes windows to, an https collector it trusts through --collector-ca', async () => {
    const collector: RunningCollector = await keep(startCollector({ port: 0, db: ':memory:', evaluateEvery: '1h', tlsCert: pki.serverCert, tlsKey: pki.serverKey }));
    const upload = await call(`${collector.url}/api/v1/models/credit/baselines`, JSON.stringify({ ...createBaseline(), model: 'credit' }));
    expect(upload.status).toBe(201);
    const sc = await keep(startSidecar({
      model: writeClassifier(tmp.dir, 'pushing.onnx'), name: 'credit', port: 0, collector: collector.url,
      push: { bufferDir: join(tmp.dir, 'push'), intervalMs: 100 }, tls: { collectorCa: pki.ca },
    }, { log: () => {}, defaultMetrics: false }));
    await until(async () => sample(await sc.telemetry.metrics(), 'modelwatch_baseline_loaded') === 1);
    expect((await fetch(`${sc.url}/v2/models/credit/infer`, { method: 'POST', body: inferBody([[25, 1, 0.2]]), headers: { 'content-type': 'application/json' } })).status).toBe(200);
    await until(async () => (sample(await sc.telemetry.metrics(), 'modelwatch_push_windows_total', { outcome: 'sent' }) ?? 0) >= 1);
  });
});

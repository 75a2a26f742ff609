import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../../core/test/helpers/certs.js';
import { tracerProviderFromEnv, RequestTracer } from '../../src/tracing/tracing.js';
import { until } from '../runtime/fixtures/http.js';
import { decodeTraces } from './fixtures/otlp-decoder.js';

/** OTLP over HTTPS with mutual TLS, certificates from a real openssl (core/test/helpers/certs.ts). */
let pki: TestPki;
let server: Server;
const received: { names: string[]; clientCn: string }[] = [];

beforeAll(async () => {
  pki = createTestPki();
  server = createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ names: decodeTraces(Buffer.concat(chunks)).spans.map((s) => s.name), clientCn: String((req.socket as TLSSocket).getPeerCertificate().subject?.CN) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  pki.cleanup();
});

describe('OTLP export over HTTPS', () => {
  it('verifies the endpoint with OTEL_EXPORTER_OTLP_CERTIFICATE and presents the client certificate', async () => {
    const provider = tracerProviderFromEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: pki.clientKey,
    })!;
    const tracer = new RequestTracer(provider, {});
    tracer.endServer(tracer.startServer('POST', '/infer', '/infer', {}), 200);
    await provider.forceFlush();
    await until(() => received.length === 1);
    expect(received[0].names).toEqual(['POST /infer']);
    expect(received[0].clientCn).toBe('client');
    await provider.shutdown();
  });

  it('reports an endpoint whose certificate it cannot verify, and fails fast on a client certificate without its key', async () => {
    const failures: string[] = [];
    const provider = tracerProviderFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `https://127.0.0.1:${(server.address() as AddressInfo).port}` }, (_n, err) => failures.push(err?.message ?? ''))!;
    const tracer = new RequestTracer(provider, {});
    tracer.endServer(tracer.startServer('POST', '/infer', '/infer', {}), 200);
    await provider.forceFlush();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/certificate/i);
    await provider.shutdown();
    expect(() => tracerProviderFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://127.0.0.1:1', OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: pki.clientCert }))
      .toThrow(/OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE.*needs its key/);
  });
});

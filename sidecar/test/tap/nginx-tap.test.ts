import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { sample, until } from '../runtime/fixtures/http.js';
import { inferBody } from '../runtime/fixtures/model.js';
import { startUpstream, type UpstreamProcess } from '../runtime/fixtures/upstream.js';
import { startNginx, type NginxProcess } from './fixtures/nginx.js';
import { promtoolCheck, scrape, seeded, trafficSeries } from './helpers.js';

const quiet = { log: () => {} };

describe('tap nginx: a real nginx with the shipped njs tap configuration', () => {
  let upstream: UpstreamProcess;
  let nginx: NginxProcess;
  let tap: RunningSidecar;
  let inline: RunningSidecar;
  const features = ['f1', 'f2', 'f3'];

  beforeAll(async () => {
    upstream = await startUpstream();
    tap = await startSidecar({ tap: 'nginx', tapPort: 0, name: 'm', port: 0, features }, quiet);
    inline = await startSidecar({ upstream: upstream.url, protocol: 'oip', name: 'm', port: 0, features }, quiet);
    nginx = await startNginx({ upstream: upstream.url, tap: `127.0.0.1:${tap.tapPort}` });
  });
  afterAll(async () => {
    await nginx?.stop();
    await tap?.close();
    await inline?.close();
    await upstream?.stop();
  });

  it('serves the model through nginx untouched and gives the tap the metrics of the inline sidecar', async () => {
    // startNginx's own readiness probe went through the tap already.
    await until(async () => sample(await scrape(tap), 'modelwatch_tap_events_total', { outcome: 'ignored' })! >= 1);
    const ignoredBefore = sample(await scrape(tap), 'modelwatch_tap_events_total', { outcome: 'ignored' })!;
    const rnd = seeded(11);
    // Each request carries its own OIP `id`, which the model server echoes: the inline sidecar then
    // keeps it as the prediction id and both paths give byte-identical answers.
    const bodies = Array.from({ length: 20 }, (_, i) => JSON.stringify({
      id: `req-${i}`,
      ...JSON.parse(inferBody(Array.from({ length: 1 + (i % 4) }, () => [Math.round(rnd() * 100), rnd() * 10, rnd() > 0.5 ? 1 : 0]))),
    }));
    for (const body of bodies) {
      const init = { method: 'POST', body, headers: { 'content-type': 'application/json' } };
      const [viaNginx, viaInline] = await Promise.all([fetch(`${nginx.url}/v2/models/m/infer`, init), fetch(`${inline.url}/v2/models/m/infer`, init)]);
      expect(viaNginx.status).toBe(200);
      expect(viaNginx.headers.get('x-upstream')).toBe('yes');
      expect(await viaNginx.text()).toBe(await viaInline.text());
    }
    // Not an inference call: proxied, seen by the tap, not monitored.
    expect((await fetch(`${nginx.url}/v2/health/ready`)).status).toBe(200);
    expect((await fetch(`${inline.url}/v2/health/ready`)).status).toBe(200);

    await until(async () => sample(await scrape(tap), 'modelwatch_tap_events_total', { outcome: 'paired' }) === 20);
    const text = await scrape(tap);
    expect(sample(text, 'modelwatch_tap_events_total', { outcome: 'ignored' })).toBe(ignoredBefore + 1);
    expect(sample(text, 'modelwatch_tap_events_total', { outcome: 'invalid' })).toBe(0);
    expect(trafficSeries(text)).toEqual(trafficSeries(await scrape(inline)));
    expect(sample(text, 'modelwatch_input_feature_value_count', { feature: 'f2' })).toBe(50);
    expect(sample(text, 'modelwatch_output_confidence_count', { output: 'probabilities' })).toBe(50);
    expect(sample(text, 'modelwatch_model_info', { mode: 'tap-nginx' })).toBe(1);
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });
  });

  it('counts an answer too large to copy as unmonitored, and the client still gets all of it', async () => {
    const before = sample(await scrape(tap), 'modelwatch_tap_events_total', { outcome: 'paired' })!;
    const r = await fetch(`${nginx.url}/v2/models/big/infer`, { method: 'POST', body: inferBody([[1, 2, 3]]), headers: { 'content-type': 'application/json' } });
    expect(((await r.json()) as { outputs: { data: number[] }[] }).outputs[0].data).toHaveLength(20_000);
    await until(async () => sample(await scrape(tap), 'modelwatch_tap_events_total', { outcome: 'paired' }) === before + 1);
    const text = await scrape(tap);
    expect(sample(text, 'modelwatch_unmonitored_payloads_total', { reason: 'response_too_large' })).toBe(1);
    expect(sample(text, 'modelwatch_response_size_bytes_sum')).toBeGreaterThan(100_000);
  });

  it('counts datagrams that are not tap records as invalid', async () => {
    const { createSocket } = await import('node:dgram');
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.send('<190>Nov 29 05:00:00 modelwatch: not json', tap.tapPort!, '127.0.0.1', () => r()));
    sock.close();
    await until(async () => sample(await scrape(tap), 'modelwatch_tap_events_total', { outcome: 'invalid' }) === 1);
  });

  it('ships a template whose variables are all documented in its header', () => {
    const text = readFileSync(new URL('../../../deploy/nginx/modelwatch-tap.conf.template', import.meta.url), 'utf8');
    const used = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(['LISTEN', 'MODELWATCH_NJS', 'MODELWATCH_TAP', 'MODEL_UPSTREAM']);
    for (const v of used) expect(text).toMatch(new RegExp(`^#\\s+${v}\\s`, 'm'));
  });
});

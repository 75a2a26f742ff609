import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '@modelwatch/collector';
import { startSidecar, type RunningSidecar } from '../../src/index.js';
import { sample, until } from '../runtime/fixtures/http.js';
import { tempDir } from '../runtime/fixtures/model.js';
import { oipBody, pool, startVariantServer, tfBody, uniform, writeThresholdModel, type VariantServer } from './fixtures/variants.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function admin(sc: RunningSidecar, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${sc.adminUrl}${path}`, { method, headers: auth, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: await res.json() };
}

async function infer(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('variants of one model in a sidecar', () => {
  const tmp = tempDir();
  const servers: VariantServer[] = [];
  let modelA: string;
  let modelB: string;

  beforeAll(() => {
    modelA = writeThresholdModel(tmp.dir, 'a', 0);
    modelB = writeThresholdModel(tmp.dir, 'b', 0.4);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    tmp.cleanup();
  });

  it('measures a shadow ONNX variant\'s agreement with the primary within 2% of the known share', async () => {
    // Shedding off: this test saturates the loop on purpose (in-process ONNX at 16 connections), and the
    // agreement is checked against the share expected over every request, so every copy must be compared.
    const sc = await startSidecar({ model: modelA, name: 'm', port: 0, shadow: modelB, rollout: { shadowShedding: false, shadowMaxInFlight: 4096 } }, { defaultMetrics: false });
    try {
      const next = uniform(7, -1, 1);
      const xs = Array.from({ length: 2000 }, () => next());
      const expectedDisagree = xs.filter((x) => x > 0 && x <= 0.4).length / xs.length;
      let fromPrimary = 0;
      await pool(xs.length, 16, async (i) => {
        const res = await infer(`${sc.url}/v2/models/m/infer`, oipBody(xs[i]));
        const json = (await res.json()) as { outputs: { data: number[] }[] };
        // The client sees the primary's answer (threshold 0), never the shadow's.
        if ((json.outputs[0].data[1] > 0.5) === (xs[i] > 0)) fromPrimary++;
      });
      expect(fromPrimary).toBe(xs.length);
      let text = '';
      await until(async () => {
        text = await (await fetch(`${sc.url}/metrics`)).text();
        const done = (sample(text, 'modelwatch_shadow_requests_total', { variant: 'shadow', outcome: 'completed' }) ?? 0)
          + (sample(text, 'modelwatch_shadow_requests_total', { variant: 'shadow', outcome: 'dropped' }) ?? 0);
        return done >= xs.length;
      });
      const agree = sample(text, 'modelwatch_variant_comparisons_total', { variant: 'shadow', reference_variant: 'primary', result: 'agree' }) ?? 0;
      const disagree = sample(text, 'modelwatch_variant_comparisons_total', { variant: 'shadow', reference_variant: 'primary', result: 'disagree' }) ?? 0;
      expect(agree + disagree).toBe(xs.length);
      expect(Math.abs(agree / (agree + disagree) - (1 - expectedDisagree))).toBeLessThanOrEqual(0.02);
      // The shadow's own traffic is on its own series, the primary's on the primary's.
      expect(sample(text, 'modelwatch_requests_total', { variant: 'shadow', outcome: 'success' })).toBeGreaterThan(xs.length * 0.9);
      expect(sample(text, 'modelwatch_requests_total', { variant: 'primary', outcome: 'success' })).toBe(xs.length);
      expect(sample(text, 'modelwatch_rollout_traffic_weight', { variant: 'shadow', role: 'shadow' })).toBe(1);
      // One HELP/TYPE per family although two registries render it.
      expect(text.match(/^# TYPE modelwatch_requests_total /gm)).toHaveLength(1);
    } finally {
      await sc.close();
    }
  });

  it('keeps a key on one canary variant and splits 10,000 keys within 3% of the weight', async () => {
    const primary = await startVariantServer({ name: 'stable', protocol: 'oip', threshold: 0 });
    const canary = await startVariantServer({ name: 'candidate', protocol: 'oip', threshold: 0 });
    servers.push(primary, canary);
    const sc = await startSidecar({ upstream: primary.url, protocol: 'oip', name: 'm', port: 0, canary: canary.url, canaryPercent: 20, stickyHeader: 'x-user-id' }, { defaultMetrics: false });
    try {
      const served = new Map<string, string>();
      let toCanary = 0;
      const N = 10_000;
      await pool(N, 32, async (i) => {
        const res = await infer(`${sc.url}/v2/models/m/infer`, oipBody(0.5), { 'x-user-id': `user-${i}` });
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        const by = res.headers.get('x-served-by')!;
        served.set(`user-${i}`, by);
        if (by === 'candidate') toCanary++;
      });
      expect(Math.abs(toCanary / N - 0.2)).toBeLessThanOrEqual(0.03);
      // The same key lands on the same variant every time.
      for (let k = 0; k < 100; k++) {
        const key = `user-${k * 97}`;
        for (let r = 0; r < 5; r++) {
          const res = await infer(`${sc.url}/v2/models/m/infer`, oipBody(0.5), { 'x-user-id': key });
          await res.arrayBuffer();
          expect(res.headers.get('x-served-by'), key).toBe(served.get(key));
        }
      }
      const text = await (await fetch(`${sc.url}/metrics`)).text();
      expect(sample(text, 'modelwatch_requests_total', { variant: 'canary', outcome: 'success' })).toBe(toCanary + [...Array(100).keys()].filter((k) => served.get(`user-${k * 97}`) === 'candidate').length * 5);
      expect(sample(text, 'modelwatch_rollout_traffic_weight', { variant: 'canary', role: 'canary' })).toBeCloseTo(0.2, 6);
      expect(sample(text, 'modelwatch_rollout_traffic_weight', { variant: 'primary', role: 'primary' })).toBeCloseTo(0.8, 6);
    } finally {
      await sc.close();
    }
  }, 60_000);

  it('switches a blue-green pair and back through the admin API without a failed request', async () => {
    const blue = await startVariantServer({ name: 'blue', protocol: 'tfserving', threshold: 0 });
    const green = await startVariantServer({ name: 'green', protocol: 'tfserving', threshold: 0 });
    servers.push(blue, green);
    const sc = await startSidecar({
      upstream: blue.url, protocol: 'tfserving', name: 'm', port: 0, variant: 'blue',
      variants: [{ name: 'green', upstream: green.url }],
      rollout: { admin: { port: 0, tokens: [{ name: 'alice', token: TOKEN }] } },
    }, { defaultMetrics: false });
    try {
      const statuses = new Map<number, number>();
      // Which variant answered, by the routing phase the request was sent in. A request sent
      // while an admin call is in flight may land on either side, so only settled phases count.
      type Phase = 'blue' | 'switching' | 'green' | 'rolling-back' | 'blue-again';
      let phase: Phase = 'blue';
      const servedIn = new Map<Phase, Set<string>>();
      let stop = false;
      const load = (async () => {
        await pool(1e9, 8, async () => {
          if (stop) throw new Error('stop');
          const sentIn = phase;
          const res = await infer(`${sc.url}/v1/models/m:predict`, tfBody(0.3));
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const by = res.headers.get('x-served-by')!;
          servedIn.set(sentIn, (servedIn.get(sentIn) ?? new Set()).add(by));
        }).catch(() => undefined);
      })();
      await until(() => (statuses.get(200) ?? 0) > 200);
      phase = 'switching';
      const sw = await admin(sc, 'PUT', '/admin/routing', { primary: 'green', reason: 'release 2' });
      phase = 'green';
      expect(sw.status).toBe(200);
      expect(sw.json.event).toMatchObject({ action: 'switch', actor: 'alice', variant: 'green', reason: 'release 2', before: { primary: 'blue' }, after: { primary: 'green' } });
      const afterSwitch = statuses.get(200)!;
      await until(() => (statuses.get(200) ?? 0) > afterSwitch + 200);
      phase = 'rolling-back';
      const back = await admin(sc, 'POST', '/admin/rollback', { reason: 'errors on green' });
      phase = 'blue-again';
      expect(back.json.event).toMatchObject({ action: 'rollback', actor: 'alice', after: { primary: 'blue' } });
      const afterBack = statuses.get(200)!;
      await until(() => (statuses.get(200) ?? 0) > afterBack + 200);
      stop = true;
      await load;
      expect([...statuses.keys()]).toEqual([200]);
      expect([...servedIn.get('blue')!]).toEqual(['blue']);
      expect([...servedIn.get('green')!]).toEqual(['green']);
      expect([...servedIn.get('blue-again')!]).toEqual(['blue']);
      const text = await (await fetch(`${sc.url}/metrics`)).text();
      expect(sample(text, 'modelwatch_rollout_events_total', { variant: 'green', action: 'switch', trigger: 'manual' })).toBe(1);
      expect(sample(text, 'modelwatch_rollout_events_total', { variant: 'green', action: 'rollback', trigger: 'manual' })).toBe(1);
      expect(sample(text, 'modelwatch_rollout_events_total', { variant: 'blue', action: 'switch', trigger: 'manual' })).toBe(0);
    } finally {
      await sc.close();
    }
  }, 60_000);

  it('comes back after a restart with the routing and events the admin API set', async () => {
    const stateDir = join(tmp.dir, 'state');
    const config = {
      model: modelA, name: 'm', port: 0, canary: modelB, canaryPercent: 5,
      rollout: { stateDir, admin: { port: 0, tokens: [{ name: 'bob', token: TOKEN }] } },
    };
    const first = await startSidecar(config, { defaultMetrics: false });
    const set = await admin(first, 'PUT', '/admin/routing', { canary: { variant: 'canary', percent: 30 }, shadow: null, reason: 'more traffic' });
    expect(set.status).toBe(200);
    await first.close();
    expect(existsSync(join(stateDir, 'routing.json'))).toBe(true);
    expect(readFileSync(join(stateDir, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);

    const second = await startSidecar(config, { defaultMetrics: false });
    try {
      const status = await admin(second, 'GET', '/admin/routing');
      expect(status.json.routing).toMatchObject({ primary: 'primary', canary: { variant: 'canary', percent: 30 } });
      const events = await admin(second, 'GET', '/admin/events');
      expect(events.json.events).toHaveLength(1);
      expect(events.json.events[0]).toMatchObject({ actor: 'bob', reason: 'more traffic', before: { canary: { percent: 5 } }, after: { canary: { percent: 30 } } });
      const text = await (await fetch(`${second.url}/metrics`)).text();
      expect(sample(text, 'modelwatch_rollout_traffic_weight', { variant: 'canary', role: 'canary' })).toBeCloseTo(0.3, 6);
      // How long the routing has been as it is survives the restart too.
      expect(sample(text, 'modelwatch_rollout_last_event_timestamp_seconds')).toBe(Date.parse(events.json.events[0].at) / 1000);
    } finally {
      await second.close();
    }
  });

  it('answers the admin API with catalogue errors for bad tokens and bad changes', async () => {
    const sc = await startSidecar({ model: modelA, name: 'm', port: 0, shadow: modelB, rollout: { admin: { port: 0, tokens: [{ name: 'carol', token: TOKEN }] } } }, { defaultMetrics: false });
    try {
      const none = await fetch(`${sc.adminUrl}/admin/routing`);
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ code: 'MW_ERR_AUTH_MISSING_TOKEN' });
      const wrong = await fetch(`${sc.adminUrl}/admin/routing`, { headers: { authorization: 'Bearer nope' } });
      expect((await wrong.json()).code).toBe('MW_ERR_AUTH_INVALID_TOKEN');
      expect((await admin(sc, 'PUT', '/admin/routing', { canary: { variant: 'nope', percent: 5 } })).json.code).toBe('MW_ERR_ROLLOUT_UNKNOWN_VARIANT');
      const pct = await admin(sc, 'PUT', '/admin/routing', { shadow: { variant: 'shadow', percent: 150 } });
      expect(pct).toMatchObject({ status: 400, json: { code: 'MW_ERR_ROLLOUT_INVALID_CHANGE' } });
      expect((await admin(sc, 'POST', '/admin/promote')).json.code).toBe('MW_ERR_ROLLOUT_NOT_CONFIGURED');
      const bad = await fetch(`${sc.adminUrl}/admin/routing`, { method: 'PUT', headers: auth, body: '{"primary":' });
      expect(bad.status).toBe(400);
      expect((await bad.json()).code).toBe('MW_ERR_REQUEST_MALFORMED_JSON');
    } finally {
      await sc.close();
    }
  });

  it('leaves the primary\'s clients untouched when the shadow upstream is down or hangs', async () => {
    const primary = await startVariantServer({ name: 'stable', protocol: 'oip', threshold: 0 });
    const hanging = await startVariantServer({ name: 'hung', protocol: 'oip', threshold: 0, hang: true });
    servers.push(primary, hanging);
    for (const shadowUrl of ['http://127.0.0.1:1', hanging.url]) {
      const sc = await startSidecar({ upstream: primary.url, name: 'm', port: 0, shadow: shadowUrl, rollout: { shadowMaxInFlight: 8, shadowTimeoutMs: 60_000, shadowShedding: false } }, { defaultMetrics: false });
      try {
        const N = 400;
        let ok = 0;
        await pool(N, 16, async (i) => {
          const res = await infer(`${sc.url}/v2/models/m/infer`, oipBody(i / N));
          await res.arrayBuffer();
          if (res.status === 200 && res.headers.get('x-served-by') === 'stable') ok++;
        });
        expect(ok, shadowUrl).toBe(N);
        const text = await (await fetch(`${sc.url}/metrics`)).text();
        const dropped = sample(text, 'modelwatch_shadow_requests_total', { variant: 'shadow', outcome: 'dropped' }) ?? 0;
        const failed = sample(text, 'modelwatch_shadow_requests_total', { variant: 'shadow', outcome: 'failed' }) ?? 0;
        const inFlight = sample(text, 'modelwatch_shadow_in_flight', { variant: 'shadow' }) ?? 0;
        // Work in flight never exceeds the bound; the rest is dropped and counted.
        expect(inFlight).toBeLessThanOrEqual(8);
        if (shadowUrl === hanging.url) {
          expect(inFlight).toBe(8);
          expect(dropped).toBe(N - 8);
        } else expect(failed + dropped).toBe(N);
        expect(sample(text, 'modelwatch_requests_total', { variant: 'primary', outcome: 'success' })).toBe(N);
      } finally {
        await sc.close();
      }
    }
  }, 60_000);

  it('at automation level human does not call the model, and at shadow answers 202 and runs it off the path for a person', async () => {
    const server = await startVariantServer({ name: 'stable', protocol: 'oip', threshold: 0 });
    servers.push(server);
    const human = await startSidecar({ upstream: server.url, name: 'm', port: 0, automation: 'human' }, { defaultMetrics: false });
    try {
      const res = await infer(`${human.url}/v2/models/m/infer`, oipBody(0.5));
      expect(res.status).toBe(503);
      expect((await res.json()).code).toBe('MW_ERR_ROLLOUT_HUMAN_ONLY');
      expect(await server.calls()).toBe(0);
      const text = await (await fetch(`${human.url}/metrics`)).text();
      expect(sample(text, 'modelwatch_automation_level', { level: 'human' })).toBe(1);
      expect(sample(text, 'modelwatch_automation_level', { level: 'full' })).toBe(0);
    } finally {
      await human.close();
    }
    // Shadow needs a review queue (a person decides every case): a real collector behind the sidecar.
    const collector = await startCollector({ port: 0, db: join(tmp.dir, 'shadow-collector.db'), token: 'shadow-token', evaluateEvery: '1h' });
    const shadowOnly = await startSidecar({
      upstream: server.url, name: 'm', port: 0, automation: 'shadow',
      collector: collector.url, collectorToken: 'shadow-token', predictions: { bufferDir: join(tmp.dir, 'shadow-records'), flushIntervalMs: 50 },
    }, { defaultMetrics: false, log: () => {} });
    try {
      const res = await infer(`${shadowOnly.url}/v2/models/m/infer`, oipBody(0.5));
      expect(res.status).toBe(202);
      const id = res.headers.get('x-modelwatch-prediction-id');
      expect(await res.json()).toMatchObject({ status: 'accepted', automation: 'shadow', predictionId: id });
      await until(async () => (await server.calls()) === 1);
      await until(async () => sample(await (await fetch(`${shadowOnly.url}/metrics`)).text(), 'modelwatch_predictions_total', { variant: 'primary' }) === 1);
      // The proxied model's answer, with the inputs the sidecar parsed off the path, waits for a person.
      const review = async () => (await (await fetch(`${collector.url}/api/v1/review?model=m`, { headers: { authorization: 'Bearer shadow-token' } })).json()) as any;
      await until(async () => (await review()).items.length === 1);
      const [item] = (await review()).items;
      expect(item).toMatchObject({ predictionId: id, reason: 'shadow_mode', prediction: expect.any(String) });
      expect(Object.keys(item.record.inputs ?? {}).length).toBeGreaterThan(0);
    } finally {
      await shadowOnly.close();
      await collector.close();
    }
  });
});

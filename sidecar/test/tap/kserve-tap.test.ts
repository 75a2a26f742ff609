import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar, type SidecarConfigInput } from '@modelwatch/sidecar';
import { sample, until } from '../runtime/fixtures/http.js';
import { inferBody } from '../runtime/fixtures/model.js';
import { startUpstream, type UpstreamProcess } from '../runtime/fixtures/upstream.js';
import { postEvents, promtoolCheck, scrape, seeded, trafficSeries, type LoggedEvent } from './helpers.js';

const quiet = { log: () => {} };

interface Call {
  request: string;
  response: string;
}

/** Sends each body through the inline sidecar and keeps what went in and what came back. */
async function throughInline(sc: RunningSidecar, path: string, bodies: string[]): Promise<Call[]> {
  const calls: Call[] = [];
  for (const request of bodies) {
    const res = await fetch(`${sc.url}${path}`, { method: 'POST', body: request, headers: { 'content-type': 'application/json' } });
    calls.push({ request, response: await res.text() });
  }
  return calls;
}

/** The calls as KServe's logger reports them: a request and a response event per call, sharing a ce-id. */
function logged(calls: Call[], prefix: string): LoggedEvent[][] {
  return calls.map((c, i) => [
    { id: `${prefix}-${i}`, kind: 'request', body: c.request, time: new Date(1_700_000_000_000 + i * 10).toISOString() },
    { id: `${prefix}-${i}`, kind: 'response', body: c.response, time: new Date(1_700_000_000_003 + i * 10).toISOString() },
  ]);
}

describe('tap kserve: KServe payload-logger events from a real process', () => {
  let upstream: UpstreamProcess;
  const sidecars: RunningSidecar[] = [];
  const start = async (cfg: SidecarConfigInput) => {
    const sc = await startSidecar({ port: 0, name: 'm', ...cfg }, quiet);
    sidecars.push(sc);
    return sc;
  };

  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.close()));
    await upstream.stop();
  });

  it('pairs v2 (OIP) events out of order, ignores duplicates, times out unpaired halves, and gives the metrics of the inline sidecar', async () => {
    const features = ['f1', 'f2', 'f3'];
    const inline = await start({ upstream: upstream.url, protocol: 'oip', features });
    const tap = await start({ tap: 'kserve', features, limits: { tapPendingTimeoutMs: 1000 } });
    const rnd = seeded(7);
    const bodies = Array.from({ length: 12 }, (_, i) =>
      inferBody(Array.from({ length: 1 + (i % 3) }, () => [Math.round(rnd() * 100), rnd() * 10, rnd() > 0.5 ? 1 : 0])));
    // A request the inline proxy refuses (a string in an FP32 tensor): the tap must count it the same way.
    bodies.push(JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 'x', 3] }] }));
    const calls = await throughInline(inline, '/v2/models/m/infer', bodies);
    expect(calls.slice(0, 12).every((c) => c.response.includes('"outputs"'))).toBe(true);

    const pairs = logged(calls, 'v2');
    const events: LoggedEvent[] = [];
    pairs.forEach(([req, res], i) => events.push(...(i % 2 === 0 ? [res, req] : [req, res]))); // half arrive response-first
    events.splice(3, 0, pairs[5][0]); // request 5 twice while it is still pending
    events.push(pairs[0][0], pairs[3][1]); // late duplicates of finished pairs
    events.push({ id: 'lonely', kind: 'request', body: calls[0].request }, { id: 'orphan', kind: 'response', body: calls[0].response });
    const answers = await postEvents(tap.url, events);
    expect(answers.map((a) => a.status)).toEqual(events.map(() => 202));

    const tapText = await scrape(tap);
    expect(trafficSeries(tapText)).toEqual(trafficSeries(await scrape(inline)));
    expect(trafficSeries(tapText).length).toBeGreaterThan(60);
    expect(sample(tapText, 'modelwatch_input_feature_value_count', { feature: 'f1' })).toBe(24);
    expect(sample(tapText, 'modelwatch_request_errors_total', { reason: 'wrong_datatype' })).toBe(1);
    expect(sample(tapText, 'modelwatch_tap_events_total', { outcome: 'paired' })).toBe(13);
    expect(sample(tapText, 'modelwatch_tap_events_total', { outcome: 'duplicate' })).toBe(3);
    expect(sample(tapText, 'modelwatch_tap_pending')).toBe(2);
    expect(sample(tapText, 'modelwatch_model_info', { mode: 'tap-kserve' })).toBe(1);
    await until(async () => sample(await scrape(tap), 'modelwatch_tap_events_total', { outcome: 'timed_out' }) === 2);
    const after = await scrape(tap);
    expect(sample(after, 'modelwatch_tap_pending')).toBe(0);
    expect(await promtoolCheck(after)).toEqual({ code: 0, output: '' });
  });

  it('pairs v1 (TF Serving instances/predictions) events and matches the inline tfserving sidecar', async () => {
    const features = ['a', 'b'];
    const inline = await start({ upstream: upstream.url, protocol: 'tfserving', features });
    const tap = await start({ tap: 'kserve', features });
    const bodies = Array.from({ length: 6 }, (_, i) => JSON.stringify({ instances: Array.from({ length: i + 1 }, (_, r) => [r, i * 0.5]) }));
    const calls = await throughInline(inline, '/v1/models/m:predict', bodies);
    const events = logged(calls, 'v1').reverse().flat(); // newest first, response before request
    const answers = await postEvents(tap.url, events);
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const tapText = await scrape(tap);
    expect(trafficSeries(tapText)).toEqual(trafficSeries(await scrape(inline)));
    expect(sample(tapText, 'modelwatch_output_class_total', { class: '1' })).toBe(21);
    expect(sample(tapText, 'modelwatch_tap_events_total', { outcome: 'paired' })).toBe(6);
  });

  it('answers 400 with MW_ERR_TAP_INVALID_EVENT to posts that are not payload-logger events, and counts them', async () => {
    const tap = await start({ tap: 'kserve' });
    const answers = await postEvents(tap.url, [
      { id: '', kind: 'request', body: '{}' },
      { id: 'x', kind: 'request', body: '{}', headers: { 'ce-type': 'com.example.other' } },
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400]);
    expect(JSON.parse(answers[0].body)).toEqual({ code: 'MW_ERR_TAP_INVALID_EVENT', error: expect.stringMatching(/missing ce-id/) });
    expect(JSON.parse(answers[1].body).error).toMatch(/ce-type "com.example.other", expected org.kubeflow.serving.inference.request/);
    expect(sample(await scrape(tap), 'modelwatch_tap_events_total', { outcome: 'invalid' })).toBe(2);
  });

  it('keeps the pending table bounded: the oldest half is dropped and counted as overflow', async () => {
    const tap = await start({ tap: 'kserve', limits: { tapMaxPending: 2 } });
    const body = inferBody([[1, 2, 3]]);
    await postEvents(tap.url, ['a', 'b', 'c'].map((id) => ({ id, kind: 'request' as const, body })));
    let text = await scrape(tap);
    expect(sample(text, 'modelwatch_tap_events_total', { outcome: 'overflow' })).toBe(1);
    expect(sample(text, 'modelwatch_tap_pending')).toBe(2);
    // 'a' was dropped: its response now waits alone; 'c' pairs.
    await postEvents(tap.url, [{ id: 'c', kind: 'response', body: '{"model_name":"m","outputs":[]}' }]);
    text = await scrape(tap);
    expect(sample(text, 'modelwatch_tap_events_total', { outcome: 'paired' })).toBe(1);
    expect(sample(text, 'modelwatch_requests_total', { outcome: 'success' })).toBe(1);
  });
});

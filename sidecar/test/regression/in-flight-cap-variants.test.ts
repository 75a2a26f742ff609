import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { post } from '../runtime/fixtures/http.js';
import { inferBody } from '../runtime/fixtures/model.js';
import { startUpstream, type UpstreamProcess } from '../runtime/fixtures/upstream.js';

/**
 * The in-flight cap is the sidecar's: with all traffic on a canary, the canary's calls in flight
 * must count against it (they used to be invisible, the cap read the primary's counter only).
 */
describe('in-flight cap with a canary', () => {
  let upstream: UpstreamProcess;
  let sc: RunningSidecar;

  beforeAll(async () => {
    upstream = await startUpstream();
    // Model `slow`: the fixture model server answers it after 3 s.
    sc = await startSidecar({
      upstream: upstream.url, canary: upstream.url, canaryPercent: 100, name: 'slow', port: 0,
      limits: { maxInFlight: 1 },
    }, { log: () => {}, defaultMetrics: false });
  });
  afterAll(async () => {
    await sc?.close();
    await upstream?.stop();
  });

  it('answers 503 with Retry-After when the canary already holds the one call allowed', async () => {
    const first = post(`${sc.url}/v2/models/slow/infer`, inferBody([[1, 2, 3]]));
    // Let the first call reach the canary's upstream before the second arrives.
    await new Promise((r) => setTimeout(r, 300));
    const second = await post(`${sc.url}/v2/models/slow/infer`, inferBody([[1, 2, 3]]));
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect((await first).status).toBe(200);
  });
});

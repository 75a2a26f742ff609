import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RolloutStateStore } from '../../src/routing/state-store.js';
import { initialState, rollback, type RolloutEvent } from '../../src/routing/routing-state.js';
import { tempDir } from '../runtime/fixtures/model.js';

const SPEC = { primary: 'primary', canary: { variant: 'canary', percent: 10 }, shadow: null, automation: 'full' as const };
const VARIANTS = ['primary', 'canary'];

function createEvent(store: RolloutStateStore): RolloutEvent {
  const t = rollback(store.current);
  return { revision: t.after.revision, at: new Date().toISOString(), actor: 'alice', trigger: 'manual', action: t.action, variant: t.variant, reason: 'test', before: store.current, after: t.after };
}

describe('RolloutStateStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('reads back the routing and events written before, skipping a torn last event line', async () => {
    const first = new RolloutStateStore(tmp.dir, SPEC, VARIANTS);
    expect(first.restored).toBe(false);
    await first.commit(createEvent(first));
    appendFileSync(join(tmp.dir, 'events.jsonl'), '{"revision": 3, "at"');
    const second = new RolloutStateStore(tmp.dir, SPEC, VARIANTS);
    expect(second.restored).toBe(true);
    expect(second.current.canary).toEqual({ variant: 'canary', percent: 0 });
    expect(second.events()).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(tmp.dir, 'routing.json'), 'utf8')).revision).toBe(2);
  });

  it('refuses a routing file that is not JSON or names a variant no longer configured', () => {
    writeFileSync(join(tmp.dir, 'routing.json'), '{not json');
    expect(() => new RolloutStateStore(tmp.dir, SPEC, VARIANTS)).toThrow(/MW_ERR_ROLLOUT_STATE.*not valid JSON/);
    writeFileSync(join(tmp.dir, 'routing.json'), JSON.stringify({ ...initialState(SPEC), primary: 'gone' }));
    expect(() => new RolloutStateStore(tmp.dir, SPEC, VARIANTS)).toThrow(/names variant "gone"/);
  });

  it('keeps everything in memory without a directory', async () => {
    const store = new RolloutStateStore(undefined, SPEC, VARIANTS);
    await store.commit(createEvent(store));
    expect(store.current.revision).toBe(2);
    expect(store.events()).toHaveLength(1);
  });
});

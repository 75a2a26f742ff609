import type { PushedWindow } from '@modelwatch/core';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { PushWindowSource } from '../../src/windows/push-source.js';
import { validatePushedWindow } from '../../src/windows/push-validate.js';
import { createProfile } from '../helpers/factories.js';

function createPush(seq: number, counts: number[], variant?: string): PushedWindow {
  return {
    source: `edge-${variant ?? 'none'}`,
    seq,
    model: 'm',
    ...(variant !== undefined ? { variant } : {}),
    start: new Date(Date.now() - 60_000).toISOString(),
    end: new Date(Date.now() - 1_000).toISOString(),
    rows: counts.reduce((a, b) => a + b, 0),
    features: [{ name: 'x', type: 'numeric', counts, missing: 0 }],
    outputs: [],
  };
}

describe('PushWindowSource', () => {
  it('keeps pushed windows apart by the variant they carry and sums them for the model', async () => {
    const store = new MemoryStore();
    const baseline = createProfile('m');
    await store.putBaseline('m', baseline, true);
    await store.addPushedWindow(createPush(1, [1, 2, 3, 4], 'primary'));
    await store.addPushedWindow(createPush(1, [0, 0, 0, 9], 'canary'));
    await store.addPushedWindow(createPush(1, [1, 0, 0, 0]));
    const source = new PushWindowSource(store);
    const spec = { label: '15m', ms: 900_000 };
    const byVariant = await source.fetchByVariant(baseline, spec, Date.now());
    expect([...byVariant.keys()].sort()).toEqual(['', 'canary', 'primary']);
    expect(byVariant.get('canary')!.variant).toBe('canary');
    expect(byVariant.get('canary')!.features[0].counts).toEqual([0, 0, 0, 9]);
    expect(byVariant.get('')!.variant).toBeUndefined();
    expect((await source.fetch(baseline, spec, Date.now()))!.features[0].counts).toEqual([2, 2, 3, 13]);
  });

  it('refuses a push whose variant is not a label-safe name', () => {
    const bad = validatePushedWindow({ ...createPush(1, [1, 1, 1, 1]), variant: 'has space' }, 'm');
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/variant/) });
    const good = validatePushedWindow(createPush(1, [1, 1, 1, 1], 'canary'), 'm');
    expect(good).toMatchObject({ ok: true, value: { variant: 'canary' } });
  });
});

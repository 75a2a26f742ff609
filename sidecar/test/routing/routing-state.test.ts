import { describe, expect, it } from 'vitest';
import { applyChange, initialState, parseChange, promote, rollback, stepTo, type RoutingState } from '../../src/routing/routing-state.js';

const VARIANTS = ['blue', 'green', 'canary', 'shadow'];

function createState(over: Partial<RoutingState> = {}): RoutingState {
  return { ...initialState({ primary: 'blue', canary: null, shadow: null, automation: 'full' }), ...over };
}

describe('routing transitions', () => {
  it('switches blue-green at once and rolls the switch back to the earlier colour', () => {
    const sw = applyChange(createState(), parseChange({ primary: 'green' }, VARIANTS));
    expect(sw).toMatchObject({ action: 'switch', variant: 'green', after: { primary: 'green', previousPrimary: 'blue', revision: 2 } });
    const back = rollback(sw.after);
    expect(back).toMatchObject({ action: 'rollback', variant: 'green', after: { primary: 'blue', previousPrimary: 'green', revision: 3 } });
  });

  it('drops a canary to 0 on rollback, steps it, and promotes it with the old primary kept', () => {
    const s = createState({ canary: { variant: 'canary', percent: 10 } });
    expect(stepTo(s, 25).after.canary).toEqual({ variant: 'canary', percent: 25 });
    expect(rollback(s).after.canary).toEqual({ variant: 'canary', percent: 0 });
    expect(promote(s).after).toMatchObject({ primary: 'canary', previousPrimary: 'blue', canary: null });
  });

  it('refuses changes that name unknown variants, bad shares, a canary that is the primary, or nothing', () => {
    expect(() => parseChange({ canary: { variant: 'nope', percent: 1 } }, VARIANTS)).toThrow(/MW_ERR_ROLLOUT_UNKNOWN_VARIANT/);
    expect(() => parseChange({ shadow: { variant: 'shadow', percent: -1 } }, VARIANTS)).toThrow(/MW_ERR_ROLLOUT_INVALID_CHANGE.*0 to 100/);
    expect(() => parseChange({ automation: 'robots' }, VARIANTS)).toThrow(/automation/);
    expect(() => parseChange({ weights: 1 }, VARIANTS)).toThrow(/unknown key "weights"/);
    expect(() => parseChange({ reason: 'x' }, VARIANTS)).toThrow(/nothing to change/);
    expect(() => applyChange(createState(), parseChange({ canary: { variant: 'blue', percent: 5 } }, VARIANTS))).toThrow(/both primary and canary/);
    expect(() => promote(createState())).toThrow(/MW_ERR_ROLLOUT_NOT_CONFIGURED/);
    expect(() => rollback(createState())).toThrow(/nothing to roll back/);
  });

  it('records an automation change as its own action', () => {
    expect(applyChange(createState(), parseChange({ automation: 'shadow' }, VARIANTS))).toMatchObject({ action: 'automation', after: { automation: 'shadow' } });
  });
});

import {
  AutomationLevel,
  ModelwatchError,
  RolloutAction,
  RolloutErrors,
  type AutomationLevelValue,
  type RolloutActionValue,
  type RolloutTriggerValue,
} from '@modelwatch/core';
import type { RoutingSpec } from '../config/types.js';

/** The routing in force, as persisted: the spec plus what rollbacks and the analysis need. */
export interface RoutingState extends RoutingSpec {
  /** Incremented on every change; events name the revision they produced. */
  revision: number;
  /** The primary before the last switch or promotion: where a rollback goes back to. */
  previousPrimary: string | null;
}

/** A change requested through the admin API: only the keys given change. */
export interface RoutingChange {
  primary?: string;
  canary?: { variant: string; percent: number } | null;
  shadow?: { variant: string; percent: number } | null;
  automation?: AutomationLevelValue;
}

export interface RolloutEvent {
  revision: number;
  at: string;
  /** Token name (admin API) or `canary-analysis`. */
  actor: string;
  trigger: RolloutTriggerValue;
  action: RolloutActionValue;
  /** The variant the change is about (the canary promoted, the colour switched to…). */
  variant: string;
  reason: string;
  before: RoutingState;
  after: RoutingState;
}

export interface Transition {
  action: RolloutActionValue;
  variant: string;
  after: RoutingState;
}

function invalid(detail: string): never {
  throw new ModelwatchError(RolloutErrors.invalidChange, { detail });
}

function percent(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) invalid(`${key}: got ${JSON.stringify(v)}, expected a number from 0 to 100`);
  return v;
}

function known(variants: readonly string[], v: unknown, key: string): string {
  if (typeof v !== 'string' || !variants.includes(v)) {
    throw new ModelwatchError(RolloutErrors.unknownVariant, { variant: typeof v === 'string' ? v.slice(0, 64) : JSON.stringify(v) });
  }
  void key;
  return v;
}

export function initialState(spec: RoutingSpec): RoutingState {
  return { ...spec, revision: 1, previousPrimary: null };
}

/** Checks that a request body is a RoutingChange over known variants; throws a catalogue error when not. */
export function parseChange(body: unknown, variants: readonly string[]): RoutingChange {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) invalid('expected a JSON object with primary, canary, shadow or automation');
  const b = body as Record<string, unknown>;
  const allowed = ['primary', 'canary', 'shadow', 'automation', 'reason'];
  for (const k of Object.keys(b)) if (!allowed.includes(k)) invalid(`unknown key "${k.slice(0, 64)}", allowed: ${allowed.join(', ')}`);
  const change: RoutingChange = {};
  if (b.primary !== undefined) change.primary = known(variants, b.primary, 'primary');
  for (const role of ['canary', 'shadow'] as const) {
    const v = b[role];
    if (v === undefined) continue;
    if (v === null) {
      change[role] = null;
      continue;
    }
    if (typeof v !== 'object' || Array.isArray(v)) invalid(`${role}: expected {variant, percent} or null`);
    const o = v as Record<string, unknown>;
    change[role] = { variant: known(variants, o.variant, `${role}.variant`), percent: percent(o.percent, `${role}.percent`) };
  }
  if (b.automation !== undefined) {
    const levels = Object.values(AutomationLevel) as string[];
    if (typeof b.automation !== 'string' || !levels.includes(b.automation)) invalid(`automation: expected one of ${levels.join(', ')}`);
    change.automation = b.automation as AutomationLevelValue;
  }
  if (Object.keys(change).length === 0) invalid('nothing to change: give primary, canary, shadow or automation');
  return change;
}

function checkRoles(s: RoutingState): void {
  if (s.canary && s.canary.variant === s.primary) invalid(`variant "${s.primary}" cannot be both primary and canary`);
  if (s.shadow && s.shadow.variant === s.primary) invalid(`variant "${s.primary}" cannot be both primary and shadow`);
}

/** The state after an admin `set`: a primary change is a blue-green switch. */
export function applyChange(state: RoutingState, change: RoutingChange): Transition {
  const after: RoutingState = { ...state, revision: state.revision + 1 };
  let action: RolloutActionValue = RolloutAction.set;
  let variant = state.primary;
  if (change.canary !== undefined) {
    after.canary = change.canary;
    variant = change.canary?.variant ?? state.canary?.variant ?? variant;
  }
  if (change.shadow !== undefined) {
    after.shadow = change.shadow;
    variant = change.shadow?.variant ?? state.shadow?.variant ?? variant;
  }
  if (change.automation !== undefined && change.automation !== state.automation) {
    after.automation = change.automation;
    action = RolloutAction.automation;
  }
  if (change.primary !== undefined && change.primary !== state.primary) {
    after.primary = change.primary;
    after.previousPrimary = state.primary;
    // The colour switched to was the canary: the whole traffic is on it now.
    if (after.canary?.variant === change.primary) after.canary = null;
    action = RolloutAction.switch;
    variant = change.primary;
  }
  checkRoles(after);
  return { action, variant, after };
}

/** Canary → primary (all traffic), the old primary kept as the rollback target. */
export function promote(state: RoutingState): Transition {
  if (!state.canary) throw new ModelwatchError(RolloutErrors.notConfigured, { detail: 'no canary to promote' });
  const variant = state.canary.variant;
  return {
    action: RolloutAction.promote,
    variant,
    after: { ...state, revision: state.revision + 1, primary: variant, previousPrimary: state.primary, canary: null },
  };
}

/** A canary's weight drops to nothing at once; without a canary, the last switch is undone. */
export function rollback(state: RoutingState): Transition {
  if (state.canary && state.canary.percent > 0) {
    return {
      action: RolloutAction.rollback,
      variant: state.canary.variant,
      after: { ...state, revision: state.revision + 1, canary: { variant: state.canary.variant, percent: 0 } },
    };
  }
  if (state.previousPrimary) {
    return {
      action: RolloutAction.rollback,
      variant: state.primary,
      after: { ...state, revision: state.revision + 1, primary: state.previousPrimary, previousPrimary: state.primary, canary: null },
    };
  }
  throw new ModelwatchError(RolloutErrors.notConfigured, { detail: 'nothing to roll back: no canary with traffic and no earlier primary' });
}

/** Analysis step: the canary's weight moves to the next configured step. */
export function stepTo(state: RoutingState, percent: number): Transition {
  if (!state.canary) throw new ModelwatchError(RolloutErrors.notConfigured, { detail: 'no canary to step' });
  return {
    action: RolloutAction.step,
    variant: state.canary.variant,
    after: { ...state, revision: state.revision + 1, canary: { variant: state.canary.variant, percent } },
  };
}

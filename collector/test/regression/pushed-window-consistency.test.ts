import { describe, expect, it } from 'vitest';
import { validatePushedWindow } from '../../src/index.js';
import { createPushedWindow } from '../helpers/factories.js';

/**
 * Issue 12, item 4: the collector accepted windows whose rows did not match their counts, a bin
 * count of 10^15 (the drift report then showed a window of 10^15 samples) and an end in 2099.
 */
const NOW = Date.parse('2026-11-29T12:00:00Z');
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();
const window = (overrides: Parameters<typeof createPushedWindow>[0] = {}) =>
  createPushedWindow({ start: at(-60_000), end: at(0), ...overrides });

function error(body: unknown): string | undefined {
  const r = validatePushedWindow(body, 'm', NOW);
  return r.ok ? undefined : r.error;
}

describe('pushed window consistency', () => {
  it('accepts a consistent window, and outputs that lag their rows', () => {
    expect(error(window())).toBeUndefined();
    const lagging = window({ rows: 0, features: [], outputs: [{ name: 'p', output: 'p', role: 'prediction', type: 'categorical', counts: [3, 1], missing: 0 }] });
    expect(error(lagging)).toBeUndefined();
  });

  it('refuses input counts that do not fit the rows', () => {
    expect(error(window({ rows: 10 }))).toMatch(/features\[0\] counts 100 values \(bins \+ missing\) in a window of 10 rows/);
  });

  it('refuses a bin count of 10^15 even when rows claim as much', () => {
    const huge = window({ rows: 1e15, features: [{ name: 'x', type: 'numeric', counts: [1e15, 0, 0, 0], missing: 0 }] });
    expect(error(huge)).toMatch(/more than a sidecar can serve in the window/);
    expect(error(window({ features: [{ name: 'x', type: 'numeric', counts: [1.5, 0, 0, 0], missing: 0 }] }))).toMatch(/integer/);
  });

  it('refuses a window that ends in the future or lasts more than a week', () => {
    expect(error(window({ end: '2099-01-01T00:00:00.000Z' }))).toMatch(/in the future/);
    expect(error(window({ start: at(-30 * 86_400_000) }))).toMatch(/at most 168 h/);
    expect(error(window({ end: at(60_000) }))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { InputMonitor } from '../../src/metrics/input-monitor.js';
import type { Column } from '../../src/protocols/types.js';

/**
 * Issue 12, item 5: without a baseline, junk feature names sent first took all 100 monitored
 * slots for good, and the real features never got series.
 */
function batch(names: string[], rows = 2): { rows: number; columns: Map<string, Column> } {
  return { rows, columns: new Map(names.map((n) => [n, Array.from({ length: rows }, (_, i) => i)])) };
}

function monitoredNames(m: InputMonitor): Set<string> {
  const out: string[] = [];
  m.render(out);
  const names = new Set<string>();
  for (const line of out.join('').split('\n')) {
    const match = /^modelwatch_input_feature_value_count\{.*feature="([^"]+)"/.exec(line);
    if (match) names.add(match[1]);
  }
  return names;
}

describe('monitored feature slots without a baseline', () => {
  it('gives the real features their slots back from junk names sent first', () => {
    const m = new InputMonitor('model="m"', 100);
    const junk = Array.from({ length: 100 }, (_, i) => `junk_${i}`);
    m.observe(batch(junk));
    const real = ['age', 'income', 'score'];
    for (let i = 0; i < 5; i++) m.observe(batch(real));
    const names = monitoredNames(m);
    for (const r of real) expect(names.has(r), r).toBe(true);
    expect(names.size).toBe(100);
  });

  it('keeps features carried by every request against a stream of fresh junk names', () => {
    const m = new InputMonitor('model="m"', 10);
    const real = Array.from({ length: 5 }, (_, i) => `f${i}`);
    for (let i = 0; i < 200; i++) {
      m.observe(batch([...real, ...Array.from({ length: 20 }, (_, j) => `junk_${i}_${j}`)]));
    }
    const names = monitoredNames(m);
    for (const r of real) expect(names.has(r), r).toBe(true);
    expect(names.size).toBeLessThanOrEqual(10);
    expect(m.ignored).toBeGreaterThan(0);
  });

  it('never gives away the slot of a declared feature', () => {
    const m = new InputMonitor('model="m"', 2);
    m.configure([{ name: 'declared' }], undefined);
    for (let i = 0; i < 50; i++) m.observe(batch(['other', 'noise']));
    const names = monitoredNames(m);
    expect(names.has('declared')).toBe(true);
    expect(names.size).toBe(2);
  });
});

describe('monitored feature slots under a stream of one-off junk names', () => {
  it('does not churn series: names each seen once never take a slot from a monitored feature', () => {
    const m = new InputMonitor('model="m"', 10);
    for (let i = 0; i < 10; i++) m.observe(batch([`early_${i}`]));
    const before = monitoredNames(m);
    for (let i = 0; i < 2_000; i++) m.observe(batch([`junk_${i}`]));
    expect(monitoredNames(m)).toEqual(before);
  });
});

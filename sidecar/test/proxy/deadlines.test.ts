import { afterEach, describe, expect, it } from 'vitest';
import { Deadlines } from '../../src/proxy/deadlines.js';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Deadlines (upstream time-outs of the calls in flight, one interval timer)', () => {
  const made: Deadlines[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) d.close();
  });
  const deadlines = (ms: number) => {
    const d = new Deadlines(ms);
    made.push(d);
    return d;
  };

  it('fires a call that outlives the time-out once, not before the time-out, within one check interval after it', async () => {
    const d = deadlines(100);
    const fired: number[] = [];
    const start = Date.now();
    d.add(() => fired.push(Date.now() - start));
    await settle(60);
    expect(fired).toEqual([]);
    while (fired.length === 0 && Date.now() - start < 2000) await settle(5);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(100);
    // Check interval: a twentieth of the time-out, at least 5 ms; timers may run late on a busy machine.
    expect(fired[0]).toBeLessThan(400);
    await settle(50);
    expect(fired).toHaveLength(1);
    expect(d.size).toBe(0);
  });

  it('never fires a cancelled call, and fires the others in flight at the same time', async () => {
    const d = deadlines(50);
    const fired: string[] = [];
    const a = d.add(() => fired.push('a'));
    d.add(() => fired.push('b'));
    d.cancel(a);
    d.cancel(undefined);
    expect(d.size).toBe(1);
    const start = Date.now();
    while (fired.length === 0 && Date.now() - start < 2000) await settle(5);
    await settle(30);
    expect(fired).toEqual(['b']);
  });

  it('does not keep the process alive and stops checking once nothing is in flight', async () => {
    const d = deadlines(30);
    const x = d.add(() => {});
    const timer = (d as unknown as { timer: NodeJS.Timeout | undefined }).timer;
    expect(timer?.hasRef()).toBe(false);
    d.cancel(x);
    await settle(30);
    expect((d as unknown as { timer: NodeJS.Timeout | undefined }).timer).toBeUndefined();
    // A new call starts the checks again.
    let fired = false;
    d.add(() => (fired = true));
    const start = Date.now();
    while (!fired && Date.now() - start < 2000) await settle(5);
    expect(fired).toBe(true);
  });
});

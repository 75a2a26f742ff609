import { describe, expect, it } from 'vitest';
import { PendingTable, type Eviction } from '../../src/tap/pending-table.js';

function table(maxPending: number, timeoutMs: number) {
  let now = 0;
  const evicted: [string, Eviction][] = [];
  const t = new PendingTable<string>({ maxPending, timeoutMs }, (v, why) => evicted.push([v, why]), () => now);
  return { t, evicted, advance: (ms: number) => (now += ms) };
}

describe('PendingTable', () => {
  it('drops halves older than the time-out on a sweep, oldest first, and keeps the live ones', () => {
    const { t, evicted, advance } = table(10, 100);
    t.put('a', 'A');
    advance(60);
    t.put('b', 'B');
    advance(50);
    t.sweep();
    expect(evicted).toEqual([['A', 'timed_out']]);
    expect(t.get('b')).toBe('B');
    expect(t.size).toBe(1);
  });

  it('evicts the oldest half as overflow when full, never growing past maxPending', () => {
    const { t, evicted } = table(2, 100);
    t.put('a', 'A');
    t.put('b', 'B');
    t.put('c', 'C');
    expect(evicted).toEqual([['A', 'overflow']]);
    expect(t.size).toBe(2);
    t.put('b', 'B2'); // updating a held id takes no room
    expect(t.size).toBe(2);
    expect(t.get('b')).toBe('B2');
  });

  it('remembers completed ids for ten time-outs, then forgets them', () => {
    const { t, advance } = table(10, 100);
    t.put('a', 'A');
    t.complete('a');
    expect(t.completed('a')).toBe(true);
    expect(t.get('a')).toBeUndefined();
    advance(999);
    t.sweep();
    expect(t.completed('a')).toBe(true);
    advance(2);
    t.sweep();
    expect(t.completed('a')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isEmptyWindow, snapshotDelta, type CountsSnapshot } from '../../src/push/snapshot.js';

function snap(epoch: string, rows: number, counts: number[], missing = 0): CountsSnapshot {
  return { epoch, rows, features: [{ name: 'x', type: 'numeric', counts, missing }], outputs: [] };
}

describe('snapshotDelta', () => {
  it('subtracts the previous cumulative counts', () => {
    expect(snapshotDelta(snap('a', 5, [2, 3], 1), snap('a', 9, [4, 5], 2))).toEqual({
      rows: 4, features: [{ name: 'x', type: 'numeric', counts: [2, 2], missing: 1 }], outputs: [],
    });
  });

  it('takes the whole snapshot when counters restarted (new epoch, or a count went down)', () => {
    expect(snapshotDelta(snap('a', 5, [2, 3]), snap('b', 1, [1, 0])).features[0].counts).toEqual([1, 0]);
    expect(snapshotDelta(snap('a', 5, [2, 3]), snap('a', 6, [1, 5])).features[0].counts).toEqual([1, 5]);
  });

  it('takes a feature whole when its bins changed shape (new baseline)', () => {
    expect(snapshotDelta(snap('a', 5, [2, 3]), snap('a', 6, [1, 1, 1])).features[0].counts).toEqual([1, 1, 1]);
  });

  it('calls a window with no rows and no counts empty', () => {
    expect(isEmptyWindow(snapshotDelta(snap('a', 5, [2, 3]), snap('a', 5, [2, 3])))).toBe(true);
    expect(isEmptyWindow(snapshotDelta(snap('a', 5, [2, 3], 0), snap('a', 5, [2, 3], 1)))).toBe(false);
  });
});

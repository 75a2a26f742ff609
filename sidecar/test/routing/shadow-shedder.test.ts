import { describe, expect, it } from 'vitest';
import { ShadowShedder } from '../../src/routing/shadow-shedder.js';

describe('ShadowShedder', () => {
  it('halves the admitted share while the loop is saturated and grows it back when quiet', () => {
    const s = new ShadowShedder();
    try {
      expect(s.admittedShare).toBe(1);
      s.adjust(0.95);
      s.adjust(0.95);
      expect(s.admittedShare).toBe(0.25);
      for (let i = 0; i < 20; i++) s.adjust(0.99);
      expect(s.admittedShare).toBe(0.01);
      s.adjust(0.8); // in between: unchanged
      expect(s.admittedShare).toBe(0.01);
      for (let i = 0; i < 20; i++) s.adjust(0.2);
      expect(s.admittedShare).toBe(1);
      expect(s.admit()).toBe(true);
    } finally {
      s.close();
    }
  });
});

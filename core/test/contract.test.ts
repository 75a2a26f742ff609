import { describe, expect, it } from 'vitest';
import { ALL_METRICS, CONTRACT_SERIES_NAMES, MODEL_IDENTITY_LABELS, seriesNames } from '@modelwatch/core';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

describe('metric contract', () => {
  it('uses valid, unique Prometheus metric names with the modelwatch_ prefix', () => {
    const names = ALL_METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(NAME);
      expect(name.startsWith('modelwatch_')).toBe(true);
    }
  });

  it('follows naming conventions: counters end in _total, units are suffixes', () => {
    for (const m of ALL_METRICS) {
      if (m.type === 'counter') expect(m.name, m.name).toMatch(/_total$/);
      else expect(m.name, m.name).not.toMatch(/_total$/);
      if (m.unit && m.unit !== 'ratio') expect(m.name, m.name).toContain(`_${m.unit}`);
    }
  });

  it('uses valid label keys, never `le` or `quantile`', () => {
    for (const m of ALL_METRICS) {
      for (const l of m.labels) {
        expect(l).toMatch(LABEL);
        expect(['le', 'quantile']).not.toContain(l);
      }
    }
  });

  it('puts the model identity labels on every sidecar metric', () => {
    for (const m of ALL_METRICS.filter((d) => d.component === 'sidecar')) {
      for (const l of MODEL_IDENTITY_LABELS) expect(m.labels, m.name).toContain(l);
    }
  });

  it('lists histogram series names for queries', () => {
    const h = ALL_METRICS.find((m) => m.type === 'histogram')!;
    expect(seriesNames(h)).toEqual([`${h.name}_bucket`, `${h.name}_sum`, `${h.name}_count`]);
    expect(CONTRACT_SERIES_NAMES.has(`${h.name}_bucket`)).toBe(true);
    expect(CONTRACT_SERIES_NAMES.has(h.name)).toBe(false);
  });
});

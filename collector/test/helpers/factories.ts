import { BASELINE_SCHEMA, type BaselineProfile, type PushedWindow } from '@modelwatch/core';

/** A small valid profile: one numeric feature with 3 edges (4 bins), one categorical, one class output. */
export function createProfile(model = 'm', overrides: Partial<BaselineProfile> = {}): BaselineProfile {
  return {
    schema: BASELINE_SCHEMA,
    model,
    createdAt: '2026-11-01T00:00:00.000Z',
    rows: 1000,
    features: [
      {
        name: 'x',
        type: 'numeric',
        count: 1000,
        missing: 0,
        min: 0,
        max: 3,
        mean: 1.5,
        std: 0.9,
        bins: { edges: [0.5, 1.5, 2.5], counts: [250, 250, 250, 250] },
      },
      {
        name: 'color',
        type: 'categorical',
        count: 1000,
        missing: 0,
        categories: [
          { value: 'red', count: 500 },
          { value: 'blue', count: 400 },
        ],
        otherCount: 100,
      },
    ],
    outputs: [],
    chunks: [],
    ...overrides,
  };
}

/** A valid pushed window; `rows` defaults to what the features count, so overrides stay consistent. */
export function createPushedWindow(overrides: Partial<PushedWindow> = {}): PushedWindow {
  const features = overrides.features ?? [
    { name: 'x', type: 'numeric', counts: [25, 25, 25, 25], missing: 0 },
    { name: 'color', type: 'categorical', counts: [50, 40, 10], missing: 0 },
  ];
  const counted = Math.max(0, ...features.map((f) => f.counts.reduce((a, b) => a + b, f.missing)));
  return {
    source: 'edge-1',
    seq: 1,
    model: 'm',
    start: new Date(Date.now() - 60_000).toISOString(),
    end: new Date().toISOString(),
    rows: counted,
    outputs: [],
    ...overrides,
    features,
  };
}

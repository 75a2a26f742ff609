import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ADWIN, CONCEPT_DETECTORS, DDM, PAGE_HINKLEY, predictionError, type ConceptDetector } from '../../src/index.js';
import { rng } from '../helpers/scipy.js';

type AnyDetector = ConceptDetector<unknown, unknown>;
const DETECTORS = CONCEPT_DETECTORS as unknown as Record<string, AnyDetector>;

/** River's documented examples, their streams regenerated with Python's own `random` (Debian python3). */
const river = JSON.parse(
  execFileSync('/usr/bin/python3', [fileURLToPath(new URL('./river_streams.py', import.meta.url))], { encoding: 'utf8' }),
) as Record<string, number[]>;

const drifts = (d: AnyDetector, xs: number[]) => d.run(d.init(), xs).events.filter((e) => e.kind === 'drift').map((e) => e.index);

function bernoulli(seed: number, n: number, p: (i: number) => number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => (r() < p(i) ? 1 : 0));
}

describe('concept-drift detectors, ported from River with its defaults', () => {
  it('DDM warns and detects where River documents it (warning 1084, change 1334, warning 1492)', () => {
    const { events } = DDM.run(DDM.init(), river.ddm);
    expect(events.find((e) => e.kind === 'warning')?.index).toBe(1084);
    expect(events.filter((e) => e.kind === 'drift').map((e) => e.index)).toEqual([1334]);
    expect(events.find((e) => e.kind === 'warning' && e.index > 1334)?.index).toBe(1492);
  });

  it('ADWIN detects where River documents it (index 1023)', () => {
    expect(drifts(ADWIN as AnyDetector, river.adwin)).toEqual([1023]);
  });

  it('Page-Hinkley detects where River documents it (index 1006)', () => {
    expect(drifts(PAGE_HINKLEY as AnyDetector, river.page_hinkley)).toEqual([1006]);
  });

  it('uses River\'s defaults', () => {
    expect(DDM.defaults).toEqual({ warmStart: 30, warningThreshold: 2, driftThreshold: 3 });
    expect(ADWIN.defaults).toEqual({ delta: 0.002, clock: 32, maxBuckets: 5, minWindowLength: 5, gracePeriod: 10 });
    expect(PAGE_HINKLEY.defaults).toEqual({ minInstances: 30, delta: 0.005, threshold: 50, alpha: 1 - 0.0001, mode: 'both' });
  });

  // Error rate 0.2 → 0.5 at sample 2,000 (a model that starts failing), 20 seeded streams.
  // Stated delays: ADWIN ≤ 400 samples, Page-Hinkley ≤ 250, DDM ≤ 1,000 (DDM compares with its
  // best point so far and needs more evidence after a long stable period).
  it.each([
    ['adwin', 400],
    ['page_hinkley', 250],
    ['ddm', 1000],
  ])('%s detects a rise of the error rate at a known point within %i samples', (name, maxDelay) => {
    for (let seed = 1; seed <= 20; seed++) {
      const xs = bernoulli(seed, 4000, (i) => (i < 2000 ? 0.2 : 0.5));
      const after = drifts(DETECTORS[name], xs).find((i) => i >= 2000);
      expect(after, `seed ${seed}`).toBeDefined();
      expect(after! - 2000, `seed ${seed}`).toBeLessThanOrEqual(maxDelay);
    }
  });

  // 100,000 stationary samples (error rate 0.2), 3 seeds. Stated false-alarm rates per 100,000:
  // ADWIN ≤ 1, DDM ≤ 2, Page-Hinkley ≤ 12 (its default threshold of 50 is reached by chance on a
  // Bernoulli stream about every 15,000 samples; raise `threshold` for fewer).
  it.each([
    ['adwin', 1],
    ['ddm', 2],
    ['page_hinkley', 12],
  ])('%s raises at most %i false alarms on 100,000 stationary samples', (name, maxAlarms) => {
    for (const seed of [100, 101, 102]) {
      const xs = bernoulli(seed, 100_000, () => 0.2);
      expect(drifts(DETECTORS[name], xs).length, `seed ${seed}`).toBeLessThanOrEqual(maxAlarms);
    }
  });

  it.each(Object.keys(CONCEPT_DETECTORS))('%s state round-trips through JSON mid-stream and resumes exactly', (name) => {
    const d = DETECTORS[name];
    const xs = bernoulli(7, 6000, (i) => (i < 3000 ? 0.1 : 0.6));
    const whole = d.run(d.init(), xs);
    let state = d.init();
    const events: number[] = [];
    let offset = 0;
    for (const cut of [17, 640, 1999, 3001, 4500, 6000]) {
      const part = d.run(JSON.parse(JSON.stringify(state)), xs.slice(offset, cut));
      events.push(...part.events.map((e) => e.index + offset));
      state = part.state;
      offset = cut;
    }
    expect(events).toEqual(whole.events.map((e) => e.index));
    expect(JSON.parse(JSON.stringify(state))).toEqual(JSON.parse(JSON.stringify(whole.state)));
    expect(d.isState(JSON.parse(JSON.stringify(state)))).toBe(true);
    expect(d.isState({ detector: 'other' })).toBe(false);
  });

  it('never mutates the state it was given', () => {
    for (const d of Object.values(DETECTORS)) {
      const s = d.run(d.init(), bernoulli(3, 500, () => 0.3)).state;
      const copy = JSON.stringify(s);
      d.run(s, bernoulli(4, 500, () => 0.9));
      expect(JSON.stringify(s)).toBe(copy);
    }
  });

  it('scores a prediction 0/1 for classes and by absolute error for values', () => {
    expect(predictionError('rain', 'rain', undefined)).toBe(0);
    expect(predictionError('sun', 'rain', undefined)).toBe(1);
    expect(predictionError(null, 'rain', undefined)).toBe(1);
    expect(predictionError(1, '1', undefined)).toBe(0);
    expect(predictionError(2.5, undefined, 4)).toBe(1.5);
    expect(predictionError('x', undefined, undefined)).toBeUndefined();
  });
});

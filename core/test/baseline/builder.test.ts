import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ProfileBuilder,
  parseBaselineProfile,
  BaselineFormatError,
  type BaselineProfile,
  type NumericFeatureProfile,
  type CategoricalFeatureProfile,
  type ProfileBuilderOptions,
} from '@modelwatch/core';
import { normals, rng } from '../helpers/scipy.js';
import { validate } from '../helpers/json-schema.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/baseline.v1.schema.json', import.meta.url), 'utf8'));

function createRows(n: number, seed = 1): Record<string, unknown>[] {
  const r = rng(seed);
  const x = normals(n, seed + 100, 10, 3);
  const colours = ['red', 'green', 'blue', 'cyan', 'magenta'];
  return x.map((v, i) => ({
    x: i % 50 === 0 ? 'NA' : String(v),
    k: String(Math.floor(r() * 4)),
    colour: colours[Math.floor(r() ** 2 * colours.length)],
    constant: 7,
    empty: null,
    label: r() < 0.3 ? 'yes' : 'no',
    score: r(),
  }));
}

function buildProfile(rows: Record<string, unknown>[], options: Partial<ProfileBuilderOptions> = {}, twoPass = true): BaselineProfile {
  const b = new ProfileBuilder({ model: 'm', outputs: [{ name: 'label', role: 'prediction' }, { name: 'score', role: 'confidence' }], ...options });
  for (const r of rows) b.add(r);
  if (twoPass) {
    b.startBinning();
    for (const r of rows) b.add(r);
  }
  return b.finish();
}

const numeric = (p: BaselineProfile, name: string) => [...p.features, ...p.outputs].find((f) => f.name === name) as NumericFeatureProfile;
const categorical = (p: BaselineProfile, name: string) => [...p.features, ...p.outputs].find((f) => f.name === name) as CategoricalFeatureProfile;

describe('ProfileBuilder', () => {
  const rows = createRows(20_000);
  const profile = buildProfile(rows, { topK: 3 });

  it('infers types, counts missing values and profiles outputs the same way', () => {
    expect(profile.features.map((f) => `${f.name}:${f.type}`)).toEqual(['x:numeric', 'k:numeric', 'colour:categorical', 'constant:numeric', 'empty:categorical']);
    expect(profile.outputs.map((o) => `${o.output}:${o.role}:${o.type}`)).toEqual(['label:prediction:categorical', 'score:confidence:numeric']);
    expect(numeric(profile, 'x').missing).toBe(400);
    expect(numeric(profile, 'x').count).toBe(19_600);
    expect(categorical(profile, 'empty').missing).toBe(20_000);
  });

  it('makes equal-frequency bins with two open outer bins, counts summing to the feature count', () => {
    const x = numeric(profile, 'x');
    expect(x.bins.edges).toHaveLength(21);
    expect(x.bins.edges[0]).toBe(x.min);
    expect(x.bins.edges[20]).toBe(x.max);
    expect(x.bins.counts.reduce((a, b) => a + b, 0)).toBe(x.count);
    expect(x.bins.counts[21]).toBe(0); // nothing above the training max
    // Inner bins hold about 1/20 of the values each (sketch rank error ≤ 1.65%).
    for (const c of x.bins.counts.slice(1, 21)) expect(Math.abs(c / x.count - 0.05)).toBeLessThan(0.0165 * 2);
    expect(x.mean).toBeCloseTo(10, 0);
    expect(x.std).toBeCloseTo(3, 0);
  });

  it('collapses tied edges for a constant or low-cardinality feature', () => {
    expect(numeric(profile, 'constant').bins).toEqual({ edges: [7], counts: [20_000, 0] });
    expect(numeric(profile, 'k').bins.edges).toEqual([0, 1, 2, 3]);
  });

  it('keeps the top-K categories, most frequent first, and the rest as other', () => {
    const c = categorical(profile, 'colour');
    expect(c.categories.map((x) => x.value)).toEqual(['red', 'green', 'blue']);
    expect(c.categories[0]!.count).toBeGreaterThan(c.categories[1]!.count);
    expect(c.categories.reduce((s, x) => s + x.count, 0) + c.otherCount).toBe(c.count);
    expect(c.otherCount).toBeGreaterThan(0);
  });

  it('writes calibration chunks whose counts add up to the totals', () => {
    expect(profile.chunks).toHaveLength(20);
    expect(profile.chunks.every((c) => c.rows === 1000)).toBe(true);
    const x = numeric(profile, 'x');
    const summed = x.bins.counts.map((_, i) => profile.chunks.reduce((s, c) => s + c.counts.x![i]!, 0));
    expect(summed).toEqual(x.bins.counts);
    expect(profile.chunks.reduce((s, c) => s + c.missing.x!, 0)).toBe(400);
  });

  it('produces a profile that parses and satisfies the published JSON schema', () => {
    const json = JSON.parse(JSON.stringify(profile));
    expect(() => parseBaselineProfile(json)).not.toThrow();
    expect(validate(schema, json)).toEqual([]);
  });

  it('gives a one-pass profile with sketch-estimated counts and no chunks', () => {
    const one = buildProfile(rows, { topK: 3 }, false);
    const x = numeric(one, 'x');
    expect(one.chunks).toEqual([]);
    expect(one.metadata?.binning).toBe('sketch');
    expect(x.bins.counts.reduce((a, b) => a + b, 0)).toBe(x.count);
    expect(validate(schema, JSON.parse(JSON.stringify(one)))).toEqual([]);
  });

  it('refuses a second pass that saw different rows', () => {
    const b = new ProfileBuilder({ model: 'm' });
    for (const r of rows.slice(0, 100)) b.add(r);
    b.startBinning();
    for (const r of rows.slice(0, 99)) b.add(r);
    expect(() => b.finish()).toThrow(/pass 2 saw 99 rows but pass 1 saw 100/);
  });

  it('accepts columnar batches and gives the same profile as rows', () => {
    const small = rows.slice(0, 3000);
    const byRows = buildProfile(small, { features: [{ name: 'x', type: 'numeric' }, { name: 'colour', type: 'categorical' }] });
    const b = new ProfileBuilder({ model: 'm', features: [{ name: 'x', type: 'numeric' }, { name: 'colour', type: 'categorical' }], outputs: [{ name: 'label', role: 'prediction' }, { name: 'score', role: 'confidence' }] });
    const cols = { x: small.map((r) => r.x), colour: small.map((r) => r.colour), label: small.map((r) => r.label), score: small.map((r) => r.score) };
    b.addColumns(cols, small.length);
    b.startBinning();
    for (let s = 0; s < small.length; s += 700) {
      const part = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.slice(s, s + 700)]));
      b.addColumns(part, Math.min(700, small.length - s));
    }
    const byCols = b.finish();
    expect(byCols.features).toEqual(byRows.features);
    expect(byCols.chunks).toEqual(byRows.chunks);
  });
});

describe('parseBaselineProfile', () => {
  const good = JSON.parse(JSON.stringify(buildProfile(createRows(500), { topK: 3 })));
  const broken = (mutate: (p: any) => void) => {
    const p = structuredClone(good);
    mutate(p);
    return p;
  };

  it('names the path, the value and what is allowed', () => {
    const err = (() => {
      try {
        parseBaselineProfile(broken((p) => (p.features[0].bins.edges[3] = p.features[0].bins.edges[2])));
      } catch (e) {
        return e as BaselineFormatError;
      }
    })();
    expect(err).toBeInstanceOf(BaselineFormatError);
    expect(err!.path).toBe('$.features[0].bins.edges[3]');
    expect(err!.message).toMatch(/^BASELINE_FORMAT: \$\.features\[0\]\.bins\.edges\[3\] = .* is not allowed: edges must be strictly ascending$/);
  });

  it.each([
    ['wrong schema version', (p: any) => (p.schema = 'modelwatch.baseline/v9'), '$.schema'],
    ['counts not matching edges', (p: any) => p.features[0].bins.counts.pop(), '$.features[0].bins.counts'],
    ['negative count', (p: any) => (p.features[0].missing = -1), '$.features[0].missing'],
    ['unknown feature type', (p: any) => (p.features[2].type = 'text'), '$.features[2].type'],
    ['counts not summing to count', (p: any) => (p.features[2].otherCount += 1), '$.features[2].categories'],
    ['duplicate feature', (p: any) => p.features.push(p.features[0]), '$.features[5].name'],
    ['bad output role', (p: any) => (p.outputs[0].role = 'label'), '$.outputs[0].role'],
    ['chunk with the wrong bin count', (p: any) => p.chunks[0].counts.x.push(1), '$.chunks[0].counts.x'],
    ['not an object', (p: any) => (p.features[1] = 3), '$.features[1]'],
  ])('rejects %s', (_name, mutate, path) => {
    expect(() => parseBaselineProfile(broken(mutate))).toThrow(expect.objectContaining({ path }));
  });
});

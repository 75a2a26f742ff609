import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BASELINE_SCHEMA,
  BaselineFormatError,
  parseBaselineProfile,
  parseDriftOptions,
  DriftOptionsError,
  profileFile,
  TableReadError,
  preview,
  type BaselineProfile,
} from '@modelwatch/core';
import { deepJson, fuzz, hostileBody, hostileJsonValue, mutate } from '../helpers/fuzz.js';

/**
 * Hostile input to core's readers: each returns a valid result or throws its own documented
 * error (which the servers answer as 4xx), never a TypeError, RangeError or a hang.
 */
const VALID: BaselineProfile = {
  schema: BASELINE_SCHEMA,
  model: 'm',
  createdAt: '2026-11-01T00:00:00.000Z',
  rows: 10,
  features: [
    { name: 'x', type: 'numeric', count: 10, missing: 0, min: 0, max: 3, mean: 1.5, std: 0.9, bins: { edges: [0.5, 1.5, 2.5], counts: [2, 3, 3, 2] } },
    { name: 'c', type: 'categorical', count: 10, missing: 0, categories: [{ value: 'a', count: 6 }], otherCount: 4 },
  ],
  outputs: [],
  chunks: [],
};

const dir = mkdtempSync(join(tmpdir(), 'mw-fuzz-core-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fuzz: core parsers', () => {
  it('baseline profile parser: a profile or a BaselineFormatError', async () => {
    const arb = fc.oneof(mutate(VALID), hostileJsonValue, fc.constantFrom(deepJson(5000), deepJson(5000, '{"a":', '}')).map((t) => JSON.parse(t)));
    await fuzz('parseBaselineProfile', arb, (raw) => {
      try {
        parseBaselineProfile(raw);
      } catch (err) {
        if (!(err instanceof BaselineFormatError)) throw err;
        expect(err.message.length).toBeLessThan(1000);
      }
    }, 600);
  });

  it('drift options parser: options or a DriftOptionsError', async () => {
    const arb = fc.oneof(mutate({ method: 'psi', threshold: 0.2, datasetDriftShare: 0.5, thresholdByFeature: { x: 0.1 } }), hostileJsonValue);
    await fuzz('parseDriftOptions', arb, (raw) => {
      try {
        parseDriftOptions(raw as Record<string, unknown>);
      } catch (err) {
        if (!(err instanceof DriftOptionsError)) throw err;
      }
    }, 400);
  });

  it('error previews stay short whatever the value', async () => {
    await fuzz('preview', fc.oneof(hostileJsonValue, fc.constant(JSON.parse(deepJson(20_000)))), (v) => {
      expect(preview(v).length).toBeLessThanOrEqual(80);
    }, 400);
  });

  it('CSV and JSONL readers: a profile, or a TableReadError, for any bytes', async () => {
    let n = 0;
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.array(fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.double().map(String), fc.constantFrom('"', '""', ',', '\n', '\r\n', 'NaN', '')), { maxLength: 5 }), { maxLength: 8 })
        .map((rows) => rows.map((r) => r.join(',')).join('\n')),
      hostileBody({ a: 1, b: 'x' }).map((b) => b.toString('utf8')),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    await fuzz('profileFile csv/jsonl', fc.tuple(text, fc.constantFrom('csv', 'jsonl') as fc.Arbitrary<'csv' | 'jsonl'>), async ([body, format]) => {
      const path = join(dir, `f${n++}.${format}`);
      writeFileSync(path, body);
      try {
        await profileFile(path, { model: 'm' }, { format });
      } catch (err) {
        if (!(err instanceof TableReadError)) throw err;
      } finally {
        rmSync(path, { force: true });
      }
    }, 300);
  });

  it('Parquet reader: a profile or an Error for any bytes, never a hang or a crash', async () => {
    let n = 0;
    const magic = Buffer.from('PAR1');
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.concat([magic, Buffer.from(b), Buffer.from([b.length & 0xff, 0, 0, 0]), magic])),
    );
    await fuzz('profileFile parquet', bytes, async (body) => {
      const path = join(dir, `p${n++}.parquet`);
      writeFileSync(path, body);
      try {
        await profileFile(path, { model: 'm' }, { format: 'parquet' });
      } catch (err) {
        // hyparquet rejects malformed files with plain Errors (the collector answers them 400);
        // what must not happen is a non-Error throw.
        expect(err).toBeInstanceOf(Error);
      } finally {
        rmSync(path, { force: true });
      }
    }, 200);
  });
});

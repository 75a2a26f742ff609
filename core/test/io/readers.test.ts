import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTable, parseCsvRecord, parseNumberField, profileFile, ProfileBuilder, TableReadError, type NumericFeatureProfile, type RowBatch, type TableSource } from '@modelwatch/core';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function readAll(source: TableSource): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const b of source.batches()) rows.push(...toRows(b));
  return rows;
}

function toRows(b: RowBatch): Record<string, unknown>[] {
  return Array.from({ length: b.length }, (_, i) => Object.fromEntries(Object.entries(b.columns).map(([k, v]) => [k, v[i]])));
}

describe('CSV reader', () => {
  it('reads RFC 4180 quotes: commas, doubled quotes and line breaks inside quoted fields, CRLF', async () => {
    const path = writeFile('quoted.csv', 'a,b,c\r\n1,"x, y",3\r\n2,"say ""hi""",4\r\n3,"two\r\nlines",5\r\n4,,6');
    const rows = await readAll(openTable(path));
    expect(rows).toEqual([
      { a: '1', b: 'x, y', c: '3' },
      { a: '2', b: 'say "hi"', c: '4' },
      { a: '3', b: 'two\nlines', c: '5' },
      { a: '4', b: '', c: '6' },
    ]);
  });

  it('skips and counts bad rows, reporting line and column', async () => {
    const path = writeFile('broken.csv', ['a,b,c', '1,2,3', '1,2', '4,5,6,7', '7,8"x,9', '"q"z,1,2', '10,11,12'].join('\n'));
    const source = openTable(path);
    const rows = await readAll(source);
    expect(rows.map((r) => r.a)).toEqual(['1', '10']);
    expect(source.stats.badRows).toBe(4);
    expect(source.stats.issues).toEqual([
      { line: 3, column: 4, message: 'expected 3 fields, found 2' },
      { line: 4, column: 7, message: 'expected 3 fields, found 4' },
      { line: 5, column: 4, message: 'quote inside an unquoted field' },
      { line: 6, column: 4, message: 'unexpected text after a closing quote' },
    ]);
  });

  it('stops at the first bad row with strict', async () => {
    const path = writeFile('strict.csv', 'a,b\n1,2\n3\n');
    await expect(readAll(openTable(path, { strict: true }))).rejects.toThrow(new TableReadError(path, 3, 2, 'expected 2 fields, found 1'));
  });

  it('reports an unterminated quote at its starting line', async () => {
    const path = writeFile('unterminated.csv', 'a,b\n1,2\n3,"open\n4,5\n');
    const source = openTable(path);
    const rows = await readAll(source);
    expect(rows).toHaveLength(1);
    expect(source.stats.issues[0]).toMatchObject({ line: 3, message: 'unterminated quoted field' });
  });

  it('parses a single record with the same rules', () => {
    expect(parseCsvRecord('"a""b",,c')).toEqual({ fields: ['a"b', '', 'c'] });
  });

  it('streams a file larger than a batch in bounded batches', async () => {
    const lines = ['x,y'];
    for (let i = 0; i < 25_000; i++) lines.push(`${i},${i % 7}`);
    const source = openTable(writeFile('big.csv', lines.join('\n') + '\n'), { batchRows: 4096 });
    const sizes: number[] = [];
    for await (const b of source.batches()) sizes.push(b.length);
    expect(Math.max(...sizes)).toBe(4096);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(25_000);
  });
});

describe('JSON readers', () => {
  it('reads JSON Lines and reports a broken line with its line and column', async () => {
    const path = writeFile('rows.jsonl', '{"a":1,"b":"x"}\n\n{"a":2,\n[1,2]\n{"a":3}\n');
    const source = openTable(path);
    const rows = await readAll(source);
    expect(rows).toEqual([
      { a: 1, b: 'x' },
      { a: 3, b: undefined },
    ]);
    expect(source.stats.issues.map((i) => [i.line, i.message.slice(0, 12)])).toEqual([
      [3, 'invalid JSON'],
      [4, 'expected a J'],
    ]);
  });

  it('reads a JSON array of objects (vega-datasets flights)', async () => {
    const rows = await readAll(openTable('node_modules/vega-datasets/data/flights-2k.json'));
    expect(rows).toHaveLength(2000);
    expect(rows[0]).toMatchObject({ delay: -19, distance: 1797, origin: 'LAX' });
  });
});

describe('Parquet reader', () => {
  it('reads flights-3m.parquet one row group at a time, with INT64 columns as BigInt', async () => {
    const source = openTable('node_modules/vega-datasets/data/flights-3m.parquet', { batchRows: 50_000 });
    let first: RowBatch | undefined;
    let batches = 0;
    for await (const b of source.batches()) {
      first ??= b;
      if (++batches === 3) break; // the first row group is enough; the benchmark reads it all
    }
    expect(Object.keys(first!.columns)).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
    expect(first!.length).toBe(50_000);
    expect(typeof first!.columns.delay![0]).toBe('bigint');
  });
});

describe('profileFile', () => {
  it('profiles the Seattle weather CSV in two passes with exact bins and calibration chunks', async () => {
    const { profile, stats } = await profileFile('node_modules/vega-datasets/data/seattle-weather.csv', {
      model: 'seattle-weather',
      exclude: ['date'],
      outputs: [{ name: 'weather', role: 'prediction' }],
    });
    expect(stats.rows).toBe(1461);
    expect(profile.features.map((f) => f.name)).toEqual(['precipitation', 'temp_max', 'temp_min', 'wind']);
    expect(profile.outputs[0]).toMatchObject({ output: 'weather', role: 'prediction', type: 'categorical', count: 1461 });
    expect(profile.metadata).toMatchObject({ binning: 'exact' });
    expect(profile.chunks.length).toBeGreaterThan(10);
  });

  it('profiles JSON Lines with numbers, strings and nulls', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ a: i, b: i % 3 === 0 ? null : `c${i % 4}` }));
    const { profile } = await profileFile(writeFile('small.jsonl', lines.join('\n')), { model: 'm' });
    expect(profile.features.map((f) => [f.name, f.type, f.count, f.missing])).toEqual([
      ['a', 'numeric', 300, 0],
      ['b', 'categorical', 200, 100],
    ]);
  });

  it('profiles BigInt values (Parquet INT64) as numbers', () => {
    const b = new ProfileBuilder({ model: 'm' });
    for (let i = 0; i < 50; i++) b.add({ n: BigInt(i) * 1000n });
    const p = b.finish().features[0] as NumericFeatureProfile;
    expect([p.type, p.min, p.max, p.count]).toEqual(['numeric', 0, 49_000, 50]);
  });
});

describe('parseNumberField', () => {
  it('gives exactly the double Number() gives, and NaN for missing', () => {
    const r = Array.from({ length: 20_000 }, (_, i) => {
      const v = (Math.sin(i) * 10 ** ((i % 12) - 4)).toFixed(i % 9);
      return i % 5 === 0 ? `-${v.replace('-', '')}` : v;
    });
    const odd = ['1e5', ' 7 ', '0x10', '123456789012345678', '.5', '5.', '-0', 'NA', '', 'abc', '1,5'];
    for (const s of [...r, ...odd]) {
      const want = s.trim() === '' || s === 'NA' || s === 'abc' || s === '1,5' ? NaN : Number(s);
      expect(Object.is(parseNumberField(s, 0, s.length), want) || (Number.isNaN(want) && Number.isNaN(parseNumberField(s, 0, s.length))), s).toBe(true);
    }
  });

  it('profiles a CSV identically with reader-side number parsing', async () => {
    const lines = ['a,b,c'];
    for (let i = 0; i < 3000; i++) lines.push(`${(i * 0.37).toFixed(3)},${i % 11 === 0 ? 'NA' : i % 7},${i % 3 ? 'x' : 'y'}`);
    const path = writeFile('parity.csv', lines.join('\n'));
    const viaFile = (await profileFile(path, { model: 'm' })).profile;
    const b = new ProfileBuilder({ model: 'm', metadata: { source: path } });
    const rows = lines.slice(1).map((l) => {
      const [a, bb, c] = l.split(',');
      return { a, b: bb, c };
    });
    for (const row of rows) b.add(row);
    b.startBinning();
    for (const row of rows) b.add(row);
    const viaRows = b.finish();
    expect(viaFile.features).toEqual(viaRows.features);
    expect(viaFile.chunks).toEqual(viaRows.chunks);
  });
});

describe('Parquet profiling', () => {
  it('profiles a Parquet file with INT64 (BigInt), DOUBLE and STRING columns', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const n = 5000;
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: Array.from({ length: n }, (_, i) => BigInt(i) * 3n), type: 'INT64' },
        { name: 'x', data: Array.from({ length: n }, (_, i) => Math.sin(i)), type: 'DOUBLE' },
        { name: 'city', data: Array.from({ length: n }, (_, i) => ['paris', 'lima', 'oslo'][i % 3]!), type: 'STRING' },
      ],
      rowGroupSize: 1200,
    });
    const path = join(dir, 'typed.parquet');
    writeFileSync(path, new Uint8Array(buffer));
    const { profile, stats } = await profileFile(path, { model: 'm' });
    expect(stats.rows).toBe(n);
    const [id, x, city] = profile.features;
    expect(id).toMatchObject({ type: 'numeric', count: n, min: 0, max: 3 * (n - 1) });
    expect(x).toMatchObject({ type: 'numeric', count: n });
    expect(city).toMatchObject({ type: 'categorical', categories: [{ value: 'lima', count: 1667 }, { value: 'paris', count: 1667 }, { value: 'oslo', count: 1666 }] });
    expect(profile.chunks.length).toBe(20);
  });
});

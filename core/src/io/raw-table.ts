/**
 * Reads whole columns of a file for raw-value statistics (`drift --reference`): numeric columns
 * as Float64Arrays, categorical ones as value counts. Memory grows with the rows (8 bytes per
 * numeric value); profiles are the bounded-memory path.
 */
import type { FeatureType } from '../baseline/profile.js';
import { RawTableBuilder, type RawTable } from '../drift/raw-drift.js';
import { openTable, type TableFormat } from './open.js';
import { CsvSource } from './csv.js';
import { inferColumnTypes, INFER_SAMPLE_ROWS, type ColumnSpec } from './infer.js';
import type { ReadStats, TableReadOptions } from './table.js';

export interface RawReadOptions {
  /** Column types decided elsewhere (the reference's, when reading the data file). */
  specs?: ColumnSpec[];
  types?: Record<string, FeatureType>;
  exclude?: string[];
}

export async function readRawTable(
  path: string,
  options: RawReadOptions = {},
  read: TableReadOptions & { format?: TableFormat } = {},
): Promise<{ table: RawTable; specs: ColumnSpec[]; stats: ReadStats }> {
  const source = openTable(path, read);
  let specs = options.specs;
  if (!specs) {
    for await (const batch of source.batches()) {
      const n = Math.min(batch.length, INFER_SAMPLE_ROWS);
      const sample = Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(batch.columns).map(([k, v]) => [k, v[i]])));
      specs = inferColumnTypes(sample, options.types);
      break;
    }
    specs ??= [];
  }
  const exclude = new Set(options.exclude ?? []);
  specs = specs.filter((s) => !exclude.has(s.name));
  if (source instanceof CsvSource) source.numericColumns = new Set(specs.filter((s) => s.type === 'numeric').map((s) => s.name));
  const builder = new RawTableBuilder(specs);
  for await (const batch of source.batches()) builder.addColumns(batch.columns, batch.length);
  return { table: builder.finish(), specs, stats: source.stats };
}

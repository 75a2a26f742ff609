/** Picks a reader from the file extension (or an explicit format). */
import { extname } from 'node:path';
import { CsvSource } from './csv.js';
import { JsonArraySource, JsonLinesSource } from './jsonl.js';
import { ParquetSource } from './parquet.js';
import type { TableReadOptions, TableSource } from './table.js';

export type TableFormat = TableSource['format'];

const BY_EXTENSION: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

export function formatOf(path: string): TableFormat | undefined {
  return BY_EXTENSION[extname(path).toLowerCase()];
}

export function openTable(path: string, options: TableReadOptions & { format?: TableFormat } = {}): TableSource {
  const format = options.format ?? formatOf(path);
  switch (format) {
    case 'csv':
      return new CsvSource(path, options);
    case 'jsonl':
      return new JsonLinesSource(path, options);
    case 'json':
      return new JsonArraySource(path, options);
    case 'parquet':
      return new ParquetSource(path, options);
    default:
      throw new Error(`cannot tell the format of ${path}: use a .csv, .jsonl/.ndjson, .json or .parquet file`);
  }
}

/**
 * Parquet via hyparquet (+ hyparquet-compressors for snappy/gzip/zstd/brotli/lz4). Read one row
 * range at a time (at most `batchRows` rows, never across a row group), so memory is bounded by a
 * row group's compressed column chunks plus one batch. INT64 columns arrive as BigInt; the
 * profiler converts them with Number() (exact up to 2^53).
 */
import { statSync } from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { newStats, type ReadStats, type RowBatch, type TableReadOptions, type TableSource } from './table.js';

const PARQUET_BATCH_ROWS = 65_536;

/** Joins the decoded pieces of one column into the group's rows (pieces may overhang the range). */
function assemble(pieces: { rowStart: number; data: ArrayLike<unknown> }[], groupStart: number, groupRows: number): ArrayLike<unknown> {
  if (pieces.length === 1 && pieces[0]!.rowStart === groupStart && pieces[0]!.data.length === groupRows) return pieces[0]!.data;
  const out = new Array<unknown>(groupRows).fill(undefined);
  for (const p of pieces) {
    for (let i = 0; i < p.data.length; i++) {
      const row = p.rowStart + i - groupStart;
      if (row >= 0 && row < groupRows) out[row] = p.data[i];
    }
  }
  return out;
}

export class ParquetSource implements TableSource {
  readonly format = 'parquet' as const;
  stats: ReadStats;

  constructor(
    readonly path: string,
    private readonly options: TableReadOptions = {},
  ) {
    this.stats = newStats(statSync(path).size);
  }

  async *batches(): AsyncIterable<RowBatch> {
    const stats = (this.stats = newStats(this.stats.totalBytes));
    const file = await asyncBufferFromFile(this.path);
    const metadata = await parquetMetadataAsync(file);
    const names = parquetSchema(metadata).children.map((c) => c.element.name);
    const batchRows = this.options.batchRows ?? PARQUET_BATCH_ROWS;
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupRows = Number(group.num_rows);
      const groupEnd = groupStart + groupRows;
      // One decode per row group (column-wise through onChunk): decoding a row range re-reads
      // its whole column chunk, so slicing a group into several reads would decode it repeatedly.
      const pieces = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>(names.map((n) => [n, []]));
      await parquetRead({
        file,
        metadata,
        compressors,
        columns: names,
        rowStart: groupStart,
        rowEnd: groupEnd,
        onChunk: (c) => pieces.get(c.columnName)?.push({ rowStart: c.rowStart, data: c.columnData as ArrayLike<unknown> }),
      });
      const columns = new Map(names.map((n) => [n, assemble(pieces.get(n)!, groupStart, groupRows)]));
      pieces.clear();
      for (let start = 0; start < groupRows; start += batchRows) {
        const end = Math.min(groupRows, start + batchRows);
        const batch: Record<string, unknown[]> = {};
        for (const [n, values] of columns) batch[n] = Array.prototype.slice.call(values, start, end) as unknown[];
        stats.rows += end - start;
        yield { columns: batch, length: end - start };
      }
      groupStart = groupEnd;
      stats.bytesRead = Math.round((stats.totalBytes * groupStart) / Math.max(1, Number(metadata.num_rows)));
    }
  }
}

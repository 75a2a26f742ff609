/**
 * JSON Lines (one object per line, streamed) and plain JSON arrays of objects (read whole: a JSON
 * array cannot be split without a streaming JSON parser, so use JSONL or Parquet for large data).
 * Columns are the union of keys seen in a batch; a line that is not a JSON object is a bad row.
 */
import { createReadStream, statSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DEFAULT_BATCH_ROWS, newStats, reportBadRow, TableReadError, type ReadStats, type RowBatch, type TableReadOptions, type TableSource } from './table.js';

class BatchCollector {
  private rows: Record<string, unknown>[] = [];
  add(row: Record<string, unknown>): void {
    this.rows.push(row);
  }
  get size(): number {
    return this.rows.length;
  }
  take(): RowBatch {
    const names = new Set<string>();
    for (const r of this.rows) for (const k of Object.keys(r)) names.add(k);
    const columns: Record<string, unknown[]> = {};
    for (const n of names) columns[n] = this.rows.map((r) => r[n]);
    const batch = { columns, length: this.rows.length };
    this.rows = [];
    return batch;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class JsonLinesSource implements TableSource {
  readonly format = 'jsonl' as const;
  stats: ReadStats;

  constructor(
    readonly path: string,
    private readonly options: TableReadOptions = {},
  ) {
    this.stats = newStats(statSync(path).size);
  }

  async *batches(): AsyncIterable<RowBatch> {
    const stats = (this.stats = newStats(this.stats.totalBytes));
    const batchRows = this.options.batchRows ?? DEFAULT_BATCH_ROWS;
    const lines = createInterface({ input: createReadStream(this.path, { encoding: 'utf8' }), crlfDelay: Infinity });
    const collector = new BatchCollector();
    let line = 0;
    for await (const text of lines) {
      line++;
      stats.bytesRead += Buffer.byteLength(text) + 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        const m = /position (\d+)/.exec((e as Error).message);
        reportBadRow(stats, this.path, this.options.strict, { line, column: m ? Number(m[1]) + 1 : 1, message: `invalid JSON: ${(e as Error).message}` });
        continue;
      }
      if (!isObject(value)) {
        reportBadRow(stats, this.path, this.options.strict, { line, column: 1, message: 'expected a JSON object per line' });
        continue;
      }
      collector.add(value);
      stats.rows++;
      if (collector.size >= batchRows) yield collector.take();
    }
    if (collector.size > 0) yield collector.take();
  }
}

export class JsonArraySource implements TableSource {
  readonly format = 'json' as const;
  stats: ReadStats;

  constructor(
    readonly path: string,
    private readonly options: TableReadOptions = {},
  ) {
    this.stats = newStats(statSync(path).size);
  }

  async *batches(): AsyncIterable<RowBatch> {
    const stats = (this.stats = newStats(this.stats.totalBytes));
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (e) {
      throw new TableReadError(this.path, 1, 1, `invalid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(data)) throw new TableReadError(this.path, 1, 1, 'expected a JSON array of objects (or use .jsonl)');
    stats.bytesRead = stats.totalBytes;
    const batchRows = this.options.batchRows ?? DEFAULT_BATCH_ROWS;
    const collector = new BatchCollector();
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!isObject(v)) {
        reportBadRow(stats, this.path, this.options.strict, { line: 1, column: i + 1, message: `array element ${i} is not an object` });
        continue;
      }
      collector.add(v);
      stats.rows++;
      if (collector.size >= batchRows) yield collector.take();
    }
    if (collector.size > 0) yield collector.take();
  }
}

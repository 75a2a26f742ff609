import type { Writable } from 'node:stream';
import { ByteWriter, ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import type { PredictionStore, StoredPrediction } from '../store/prediction-store.js';

export type DatasetFormat = 'parquet' | 'csv' | 'jsonl';
export const DATASET_FORMATS: readonly DatasetFormat[] = ['parquet', 'csv', 'jsonl'];
export const DATASET_MEDIA_TYPES: Record<DatasetFormat, string> = {
  parquet: 'application/vnd.apache.parquet',
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson',
};

export interface DatasetQuery {
  model: string;
  fromMs: number;
  toMs: number;
  /** true: labelled records only (the training set); false: all of them. */
  labelled: boolean;
  variant?: string;
}

/** Rows read from the store per page: one Parquet row group, bounded memory whatever the period. */
const PAGE = 10_000;
/** Input fields become columns; beyond this many the rest are left out (the record's own bound is 512). */
const MAX_INPUT_COLUMNS = 512;
/** Columns every export has, in this order; input fields follow. */
const FIXED = ['prediction_id', 'time', 'model_version', 'variant', 'prediction', 'confidence', 'label'] as const;

interface Column {
  name: string;
  kind: 'number' | 'string';
  get(r: StoredPrediction): unknown;
}

async function* pages(store: PredictionStore, q: DatasetQuery): AsyncGenerator<StoredPrediction[]> {
  let after: { timeMs: number; id: string } | undefined;
  for (;;) {
    const rows = await store.predictions(q.model, {
      fromMs: q.fromMs,
      toMs: q.toMs,
      limit: PAGE,
      ...(q.labelled ? { labelled: true } : {}),
      ...(q.variant !== undefined ? { variant: q.variant } : {}),
      ...(after ? { after } : {}),
    });
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1];
    after = { timeMs: Date.parse(last.time), id: last.id };
  }
}

const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/**
 * The columns of an export, from a first pass over the period: the fixed ones, then every input
 * field seen (numeric when every value is a number, else text). A label is the class for a
 * classifier and the true value for a regression model, in one `label` column.
 */
async function planColumns(store: PredictionStore, q: DatasetQuery): Promise<Column[]> {
  let predictionNumeric = true;
  let labelNumeric = true;
  const inputs = new Map<string, boolean>();
  for await (const page of pages(store, q)) {
    for (const r of page) {
      if (r.prediction !== null && !isNumber(r.prediction)) predictionNumeric = false;
      if (r.label !== undefined) labelNumeric = false;
      for (const [k, v] of Object.entries(r.inputs ?? {})) {
        if (!inputs.has(k)) {
          if (inputs.size >= MAX_INPUT_COLUMNS) continue;
          inputs.set(k, true);
        }
        if (v !== null && !isNumber(v)) inputs.set(k, false);
      }
    }
  }
  const columns: Column[] = [
    { name: 'prediction_id', kind: 'string', get: (r) => r.id },
    { name: 'time', kind: 'string', get: (r) => r.time },
    { name: 'model_version', kind: 'string', get: (r) => r.version },
    { name: 'variant', kind: 'string', get: (r) => r.variant },
    { name: 'prediction', kind: predictionNumeric ? 'number' : 'string', get: (r) => r.prediction },
    { name: 'confidence', kind: 'number', get: (r) => r.confidence },
    { name: 'label', kind: labelNumeric ? 'number' : 'string', get: (r) => r.label ?? r.labelValue },
  ];
  for (const [name, numeric] of inputs) {
    // An input named like a fixed column keeps its data under a prefixed name.
    const column = (FIXED as readonly string[]).includes(name) ? `input.${name}` : name;
    columns.push({ name: column, kind: numeric ? 'number' : 'string', get: (r) => r.inputs?.[name] });
  }
  return columns;
}

function value(c: Column, r: StoredPrediction): string | number | null {
  const v = c.get(r);
  if (v === undefined || v === null) return null;
  if (c.kind === 'number') return isNumber(v) ? (v as number) : null;
  return String(v);
}

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes a chunk, waiting for the socket to drain when its buffer is full (backpressure). */
async function write(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!out.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        out.off('drain', done);
        out.off('close', done);
        out.off('error', done);
        if (err) reject(err);
        else resolve();
      };
      out.once('drain', done);
      out.once('close', () => done(new Error('the client went away')));
      out.once('error', done);
    });
  }
}

/**
 * Streams the prediction records of a period as a training table: a page of the store at a time
 * (one Parquet row group per page), so memory stays bounded by a page whatever the period.
 * The records were privacy-filtered by the sidecar before they were stored; nothing else is added.
 * Returns the number of rows written.
 */
export async function exportDataset(store: PredictionStore, q: DatasetQuery, format: DatasetFormat, out: Writable): Promise<number> {
  const columns = await planColumns(store, q);
  let rows = 0;
  if (format === 'csv') {
    await write(out, `${columns.map((c) => csvCell(c.name)).join(',')}\n`);
    for await (const page of pages(store, q)) {
      await write(out, page.map((r) => `${columns.map((c) => csvCell(value(c, r))).join(',')}\n`).join(''));
      rows += page.length;
    }
    return rows;
  }
  if (format === 'jsonl') {
    for await (const page of pages(store, q)) {
      await write(out, page.map((r) => `${JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, value(c, r)])))}\n`).join(''));
      rows += page.length;
    }
    return rows;
  }
  const source = (page: StoredPrediction[]): ColumnSource[] =>
    columns.map((c) => ({ name: c.name, type: c.kind === 'number' ? 'DOUBLE' : 'STRING', nullable: true, data: page.map((r) => value(c, r)) }));
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({ writer, schema: schemaFromColumnData({ columnData: source([]) }), codec: 'SNAPPY' });
  // Bytes written so far go out after each row group; the writer keeps counting absolute offsets.
  const drain = async () => {
    if (writer.index === 0) return;
    await write(out, new Uint8Array(writer.buffer.slice(0, writer.index)));
    writer.index = 0;
  };
  for await (const page of pages(store, q)) {
    await parquet.write({ columnData: source(page), rowGroupSize: PAGE });
    await drain();
    rows += page.length;
  }
  await parquet.finish();
  await drain();
  return rows;
}

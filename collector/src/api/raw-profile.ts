import { isUtf8 } from 'node:buffer';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ModelErrors, ModelwatchError, profileFileBatch, RequestErrors, TableReadError, type BaselineProfile, type TableFormat } from '@modelwatch/core';
import { PUSH_LIMITS } from '../windows/push-validate.js';
import type { RawType } from './profile-input.js';

/** Columns a model may have (the same bound as a pushed window's feature list). */
const MAX_COLUMNS = PUSH_LIMITS.features;
/** A column name is a label value and a JSON key of every report: text, bounded. */
const MAX_NAME_CHARS = 256;
// Control characters (except tab) and U+FFFD (what undecodable bytes become) never appear in a
// real column name; they do in the "header" of a binary file sent as CSV (issue 12, item 8).
const NOT_TEXT = /[\u0000-\u0008\u000a-\u001f\u007f\ufffd]/;

function unreadable(format: string, detail: string): ModelwatchError {
  return new ModelwatchError(ModelErrors.unreadableData, { format, detail });
}

/** Counts the fields of the CSV header (quotes respected), stopping once past `max`. */
function csvHeaderFields(body: Buffer, max: number): number {
  let fields = 1;
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === 0x22) quoted = !quoted;
    else if (!quoted && c === 0x2c && ++fields > max) return fields;
    else if (!quoted && c === 0x0a) break;
  }
  return fields;
}

/** Distinct top-level keys over the JSONL lines, stopping once past `max` (one line parsed at a time). */
function jsonlKeys(body: Buffer, max: number): number {
  const keys = new Set<string>();
  let start = 0;
  while (start < body.length && keys.size <= max) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    const line = body.toString('utf8', start, end).trim();
    start = end + 1;
    if (line === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      continue; // a bad row: the profiler reports it
    }
    if (typeof row === 'object' && row !== null && !Array.isArray(row)) for (const k in row) keys.add(k);
  }
  return keys.size;
}

/**
 * Refuses, before any profiling, what would make the profiler hold a column per field: more
 * columns than a model may have (a 100,000-column CSV took 350 MB before being refused), and
 * binary data sent as text.
 */
function precheck(body: Buffer, format: TableFormat): void {
  if (format === 'parquet') return;
  if (!isUtf8(body) || body.includes(0)) throw unreadable(format, 'the body is not UTF-8 text (binary data sent as text?)');
  const columns = format === 'csv' ? csvHeaderFields(body, MAX_COLUMNS) : jsonlKeys(body, MAX_COLUMNS);
  if (columns > MAX_COLUMNS) {
    throw new ModelwatchError(ModelErrors.tooManyColumns, { detail: `the ${format} data has more than ${MAX_COLUMNS} columns; the collector monitors at most ${MAX_COLUMNS} per model` });
  }
}

/** The head of a spooled upload that the precheck reads: enough for any header the bound allows. */
const PRECHECK_BYTES = 4 * 1024 * 1024;

/** The precheck on the first bytes of the spooled file, cut at a line end (or a whole character). */
async function precheckFile(path: string, format: TableFormat): Promise<void> {
  if (format === 'parquet') return;
  const file = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(PRECHECK_BYTES);
    const { bytesRead } = await file.read(buf, 0, PRECHECK_BYTES, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
  if (head.length === PRECHECK_BYTES) {
    const nl = head.lastIndexOf(0x0a);
    let end = nl > 0 ? nl + 1 : head.length;
    // No line end in the head: cut before a character the read split in two.
    if (nl <= 0) while (end > 0 && head[end - 1] >= 0x80) end--;
    head = head.subarray(0, end);
  }
  precheck(head, format);
}

/** Column names must be short printable text: they become label values and report keys. */
function checkNames(profile: BaselineProfile, format: string): void {
  for (const f of [...profile.features, ...profile.outputs]) {
    if (f.name.length > MAX_NAME_CHARS || NOT_TEXT.test(f.name)) {
      throw unreadable(format, `column name ${JSON.stringify(f.name.slice(0, 40))} is not a printable name of at most ${MAX_NAME_CHARS} characters`);
    }
  }
}

const FORMAT: Record<RawType, TableFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
};

/** The rest of the body stays unread, so the connection cannot carry another request: close it. */
function tooLarge(maxBytes: number): ModelwatchError {
  return new ModelwatchError(RequestErrors.bodyTooLarge, { limit: maxBytes }, { connection: 'close' });
}

/** Spools a request body to `path`, stopping with a 413 past `maxBytes`. */
async function spool(body: Readable, path: string, maxBytes: number): Promise<number> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(tooLarge(maxBytes));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(body, limit, createWriteStream(path, { mode: 0o600 }));
  } catch (err) {
    if (err instanceof ModelwatchError) throw err;
    throw new ModelwatchError(RequestErrors.unreadableBody, { detail: (err as Error).message.slice(0, 200) });
  }
  return bytes;
}

/**
 * Profiles uploaded training data on the same batch path as `modelwatch baseline create`
 * (core's DuckDB engine, the streaming readers for JSON lines and anything the engine rejects).
 * The body streams to a private tmp file — never whole in memory, bounded by the size limit —
 * which is removed whatever happens. Bad rows are skipped and counted, as the CLI does without
 * --strict; data with no usable row is a 400.
 */
export async function profileRawData(body: Readable, type: RawType, model: string, maxBytes: number): Promise<BaselineProfile> {
  const format = FORMAT[type];
  // An HTTP request says its size up front: refuse it before writing anything.
  const declared = Number((body as Readable & { headers?: Record<string, string | undefined> }).headers?.['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const dir = await mkdtemp(join(tmpdir(), 'mw-upload-'));
  const path = join(dir, `upload.${format}`);
  try {
    if ((await spool(body, path, maxBytes)) === 0) throw new ModelwatchError(RequestErrors.emptyBody);
    await precheckFile(path, format);
    let result;
    try {
      result = await profileFileBatch(path, { model, metadata: { source: `upload (${type})` } }, { format });
    } catch (err) {
      if (err instanceof TableReadError) throw new ModelwatchError(ModelErrors.unreadableData, { format, detail: err.message.slice(path.length + 1) });
      // Readers reject malformed files (bad Parquet footer…) with plain errors: the client's data is at fault.
      throw new ModelwatchError(ModelErrors.unreadableData, { format, detail: (err as Error).message.replaceAll(path, 'upload').slice(0, 300) });
    }
    const { profile, stats } = result;
    if (stats.rows === 0 || profile.features.length === 0) {
      const first = stats.issues[0];
      const detail = first ? `; first problem at line ${first.line}, column ${first.column}: ${first.message}` : '';
      throw new ModelwatchError(ModelErrors.unreadableData, { format, detail: `no usable rows (${stats.badRows} bad rows)${detail}` });
    }
    checkNames(profile, format);
    if (stats.badRows > 0) profile.metadata = { ...profile.metadata, badRows: String(stats.badRows) };
    return profile;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { profileFileBatch, TableReadError, type BaselineProfile, type TableFormat } from '@modelwatch/core';
import { HttpError } from './http-error.js';
import type { RawType } from './profile-input.js';

const FORMAT: Record<RawType, TableFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
};

/** The rest of the body stays unread, so the connection cannot carry another request: close it. */
function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `request body is larger than the limit of ${maxBytes} bytes`, { connection: 'close' });
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
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `unreadable request body (${(err as Error).message})`);
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
    if ((await spool(body, path, maxBytes)) === 0) throw new HttpError(400, 'request body is empty');
    let result;
    try {
      result = await profileFileBatch(path, { model, metadata: { source: `upload (${type})` } }, { format });
    } catch (err) {
      if (err instanceof TableReadError) throw new HttpError(400, `unreadable ${format} data: ${err.message.slice(path.length + 1)}`);
      // Readers reject malformed files (bad Parquet footer…) with plain errors: the client's data is at fault.
      throw new HttpError(400, `unreadable ${format} data: ${(err as Error).message.replaceAll(path, 'upload')}`);
    }
    const { profile, stats } = result;
    if (stats.rows === 0 || profile.features.length === 0) {
      const first = stats.issues[0];
      const detail = first ? `; first problem at line ${first.line}, column ${first.column}: ${first.message}` : '';
      throw new HttpError(400, `the ${format} data has no usable rows (${stats.badRows} bad rows)${detail}`);
    }
    if (stats.badRows > 0) profile.metadata = { ...profile.metadata, badRows: String(stats.badRows) };
    return profile;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

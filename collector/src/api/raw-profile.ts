import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelErrors, ModelwatchError, profileFile, TableReadError, type BaselineProfile, type TableFormat } from '@modelwatch/core';
import type { RawType } from './profile-input.js';

const FORMAT: Record<RawType, TableFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
};

/**
 * Profiles uploaded training data with core's two-pass profiler. Core's readers take a path
 * (Parquet needs random access), so the body (already bounded by the size limit) goes to a
 * private tmp file that is removed whatever happens. Bad rows are skipped and counted, as the
 * CLI does without --strict; data with no usable row is a 400.
 */
export async function profileRawData(body: Buffer, type: RawType, model: string): Promise<BaselineProfile> {
  const format = FORMAT[type];
  const dir = await mkdtemp(join(tmpdir(), 'mw-upload-'));
  const path = join(dir, `upload.${format}`);
  try {
    await writeFile(path, body, { mode: 0o600 });
    let result;
    try {
      result = await profileFile(path, { model, metadata: { source: `upload (${type})` } }, { format });
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
    if (stats.badRows > 0) profile.metadata = { ...profile.metadata, badRows: String(stats.badRows) };
    return profile;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Batch entry points used by the CLI and the collector's upload: the embedded engine (DuckDB) for
 * CSV, Parquet and JSON files it reads cleanly, the streaming readers for the rest — `--strict` (which stops at the
 * first bad row with its line and column) and any file the engine rejects (ragged rows, a value
 * that does not fit the column's type), so a user sees the same skip-and-report behaviour as before.
 */
import type { BaselineProfile } from '../baseline/profile.js';
import type { ProfileBuilderOptions } from '../baseline/builder.js';
import type { LiveWindow } from '../drift/types.js';
import { formatOf, type TableFormat } from '../io/open.js';
import { profileFile, windowFromFile, type ProfileFileResult, type ProgressEvent, type ReferenceOptions } from '../io/profile-file.js';
import { newStats, type ReadStats, type TableReadOptions } from '../io/table.js';
import { statSync } from 'node:fs';
import { openEngine, profileMemoryLimit, type EngineFormat } from './engine.js';
import { profileWithEngine } from './profile.js';
import { windowWithEngine } from './window.js';

export type BatchEngineName = 'duckdb' | 'streaming';

function engineFormat(path: string, read: TableReadOptions & { format?: TableFormat }): EngineFormat | undefined {
  if (read.strict || process.env.MODELWATCH_BATCH_ENGINE === 'streaming') return undefined;
  return read.format ?? formatOf(path);
}

function statsFor(path: string, rows: number): ReadStats {
  const size = statSync(path).size;
  const s = newStats(size);
  s.rows = rows;
  s.bytesRead = size;
  return s;
}

export async function profileFileBatch(
  path: string,
  options: ProfileBuilderOptions,
  read: TableReadOptions & { format?: TableFormat } = {},
  onProgress?: (e: ProgressEvent) => void,
  reference: ReferenceOptions = {},
): Promise<ProfileFileResult & { engine: BatchEngineName; fallbackReason?: string }> {
  // The reference performance joins each row's answer with its label: the streaming reader does that.
  if (reference.label !== undefined) {
    return { ...(await profileFile(path, options, read, onProgress, reference)), engine: 'streaming', fallbackReason: 'a label column (reference performance) is joined by the streaming reader' };
  }
  const format = engineFormat(path, read);
  let fallbackReason: string | undefined;
  if (format) {
    const size = statSync(path).size; // a missing file is the user's error, not a reason to try another reader
    let engine;
    try {
      engine = await openEngine(profileMemoryLimit(size));
      const { profile, rows } = await profileWithEngine(engine, path, format, { ...options, metadata: { source: path, ...options.metadata } });
      return { profile, stats: statsFor(path, rows), engine: 'duckdb' };
    } catch (err) {
      fallbackReason = (err as Error).message.split('\n')[0];
    } finally {
      engine?.close();
    }
  }
  return { ...(await profileFile(path, options, read, onProgress)), engine: 'streaming', ...(fallbackReason ? { fallbackReason } : {}) };
}

export async function windowFromFileBatch(
  path: string,
  baseline: BaselineProfile,
  read: TableReadOptions & { format?: TableFormat } = {},
): Promise<{ window: LiveWindow; stats: ReadStats; engine: BatchEngineName; fallbackReason?: string }> {
  const format = engineFormat(path, read);
  let fallbackReason: string | undefined;
  if (format) {
    statSync(path);
    let engine;
    try {
      engine = await openEngine();
      const { window, rows } = await windowWithEngine(engine, path, format, baseline);
      return { window, stats: statsFor(path, rows), engine: 'duckdb' };
    } catch (err) {
      fallbackReason = (err as Error).message.split('\n')[0];
    } finally {
      engine?.close();
    }
  }
  return { ...(await windowFromFile(path, baseline, read)), engine: 'streaming', ...(fallbackReason ? { fallbackReason } : {}) };
}

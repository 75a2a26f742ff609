/**
 * Profiles a file in two streaming passes (see ProfileBuilder) and builds windows from files.
 */
import { ProfileBuilder, type ProfileBuilderOptions } from '../baseline/builder.js';
import type { BaselineProfile } from '../baseline/profile.js';
import { WindowBuilder } from '../drift/window-builder.js';
import type { LiveWindow } from '../drift/types.js';
import { openTable, type TableFormat } from './open.js';
import { CsvSource } from './csv.js';
import { inferColumnTypes, INFER_SAMPLE_ROWS } from './infer.js';
import type { ReadStats, TableReadOptions } from './table.js';

export interface ProgressEvent {
  pass: 1 | 2;
  bytesRead: number;
  totalBytes: number;
  rows: number;
}

export interface ProfileFileResult {
  profile: BaselineProfile;
  stats: ReadStats;
}

export async function profileFile(
  path: string,
  options: ProfileBuilderOptions,
  read: TableReadOptions & { format?: TableFormat } = {},
  onProgress?: (e: ProgressEvent) => void,
): Promise<ProfileFileResult> {
  const source = openTable(path, read);
  if (source instanceof CsvSource) await parseNumbersWhileReading(source, options);
  const builder = new ProfileBuilder({ ...options, metadata: { source: path, ...options.metadata } });
  for (const pass of [1, 2] as const) {
    if (pass === 2) builder.startBinning();
    for await (const batch of source.batches()) {
      builder.addColumns(batch.columns, batch.length);
      onProgress?.({ pass, bytesRead: source.stats.bytesRead, totalBytes: source.stats.totalBytes, rows: source.stats.rows });
    }
  }
  return { profile: builder.finish(), stats: source.stats };
}

/** Infers types on the first batch, then lets the CSV reader parse numeric columns itself. */
async function parseNumbersWhileReading(source: CsvSource, options: ProfileBuilderOptions): Promise<void> {
  let sample: Record<string, unknown>[] = [];
  for await (const batch of source.batches()) {
    const n = Math.min(batch.length, INFER_SAMPLE_ROWS);
    sample = Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(batch.columns).map(([k, v]) => [k, v[i]])));
    break;
  }
  const categorical = new Set([
    ...Object.entries(options.types ?? {}).filter(([, t]) => t === 'categorical').map(([k]) => k),
    ...(options.outputs ?? []).filter((o) => (o.type ?? (o.role === 'confidence' ? 'numeric' : 'categorical')) === 'categorical').map((o) => o.name),
  ]);
  const specs = options.features ?? inferColumnTypes(sample, options.types);
  source.numericColumns = new Set(specs.filter((c) => c.type === 'numeric' && !categorical.has(c.name)).map((c) => c.name));
}

export async function windowFromFile(
  path: string,
  baseline: BaselineProfile,
  read: TableReadOptions & { format?: TableFormat } = {},
): Promise<{ window: LiveWindow; stats: ReadStats }> {
  const source = openTable(path, read);
  const builder = new WindowBuilder(baseline);
  for await (const batch of source.batches()) builder.addColumns(batch.columns, batch.length);
  return { window: builder.toWindow({ window: 'batch' }), stats: source.stats };
}

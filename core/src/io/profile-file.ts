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
import { FeedbackErrors } from '../errors/catalogue.js';
import { ModelwatchError } from '../errors/modelwatch-error.js';
import { realizedPerformance, type JoinedPrediction } from '../performance/realized.js';

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

export interface ReferenceOptions {
  /**
   * Column of the true label (or value): the profile then records the reference performance of
   * the prediction output against it (hold-out figures realized performance is compared with).
   */
  label?: string;
}

export async function profileFile(
  path: string,
  options: ProfileBuilderOptions,
  read: TableReadOptions & { format?: TableFormat } = {},
  onProgress?: (e: ProgressEvent) => void,
  reference: ReferenceOptions = {},
): Promise<ProfileFileResult> {
  const source = openTable(path, read);
  const prediction = options.outputs?.find((o) => o.role === 'prediction')?.name;
  const confidence = options.outputs?.find((o) => o.role === 'confidence')?.name;
  if (reference.label !== undefined && prediction === undefined) {
    throw new ModelwatchError(FeedbackErrors.labelFile, { file: path, detail: 'a label column needs a prediction output to compare with (outputs name:prediction)' });
  }
  if (source instanceof CsvSource) await parseNumbersWhileReading(source, options);
  const builder = new ProfileBuilder({ ...options, metadata: { source: path, ...options.metadata } });
  const joined: JoinedPrediction[] = [];
  for (const pass of [1, 2] as const) {
    if (pass === 2) builder.startBinning();
    for await (const batch of source.batches()) {
      builder.addColumns(batch.columns, batch.length);
      if (pass === 1 && reference.label !== undefined) joinBatch(path, batch.columns, batch.length, reference.label, prediction!, confidence, joined);
      onProgress?.({ pass, bytesRead: source.stats.bytesRead, totalBytes: source.stats.totalBytes, rows: source.stats.rows });
    }
  }
  const profile = builder.finish();
  if (reference.label !== undefined) {
    const table = profile.outputs.find((o) => o.name === prediction && o.type === 'categorical');
    const classes = table && table.type === 'categorical' ? table.categories.map((c) => c.value) : undefined;
    const result = realizedPerformance(joined, classes ? { classes } : {});
    if (result) profile.performance = { label: reference.label, prediction: prediction!, result };
  }
  return { profile, stats: source.stats };
}

/** Rows of a batch as (answer, truth, confidence); rows without a truth are left out. */
function joinBatch(path: string, columns: Record<string, unknown[]>, n: number, label: string, prediction: string, confidence: string | undefined, out: JoinedPrediction[]): void {
  const truths = columns[label];
  const answers = columns[prediction];
  if (!truths || !answers) throw new ModelwatchError(FeedbackErrors.labelFile, { file: path, detail: `column "${!truths ? label : prediction}" is not in the data` });
  const conf = confidence ? columns[confidence] : undefined;
  for (let i = 0; i < n; i++) {
    const t = truths[i];
    if (t === null || t === undefined || t === '') continue;
    const a = answers[i];
    const row: JoinedPrediction = { prediction: a === null || a === undefined || a === '' ? null : typeof a === 'number' ? a : String(a) };
    if (typeof t === 'number' && typeof a === 'number') row.labelValue = t;
    else row.label = String(t);
    const c = conf?.[i];
    if (typeof c === 'number' && Number.isFinite(c)) row.confidence = c;
    out.push(row);
  }
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

/**
 * `modelwatch baseline create|push`: profile a training file into a baseline, upload one to a
 * collector. Progress goes to stderr and only on a terminal; results and errors are plain lines.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  parseBaselineProfile,
  profileFileBatch,
  BaselineFormatError,
  TableReadError,
  type ColumnSpec,
  type FeatureType,
  type OutputSpec,
  type ProgressEvent,
} from '@modelwatch/core';
import { isUsageError, UsageError } from '../errors.js';

const USAGE = `Usage:
  modelwatch baseline create --data FILE --model NAME --out profile.json [options]
  modelwatch baseline push profile.json --collector URL [--token T] [--no-activate]

create options:
  --data FILE           training data: .csv, .jsonl/.ndjson, .json (array) or .parquet
  --model NAME          model the baseline belongs to
  --out FILE            where to write the profile (JSON)
  --features LIST       features to profile, e.g. a:numeric,b:categorical,c (type inferred when omitted);
                        default: every column except outputs and --exclude
  --exclude LIST        columns to leave out (ids, timestamps, labels)
  --outputs LIST        model output columns, e.g. prediction:prediction,score:confidence
  --label COLUMN        true label (or value) column: records the reference performance of the
                        prediction output against it (e.g. on a hold-out set); left out of the features
  --bins N              equal-frequency bins per numeric feature (default 20)
  --top-k N             categories kept per categorical feature (default 50)
  --chunk-rows N        rows per calibration chunk (default rows/20)
  --strict              stop at the first bad row (default: skip, count and report bad rows)

push options:
  --collector URL       collector base URL, e.g. http://127.0.0.1:9400
  --token T             bearer token (default: env MODELWATCH_TOKEN)
  --no-activate         upload without making it the active baseline`;


const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

function parseFeatures(spec: string | undefined): { features?: ColumnSpec[]; types: Record<string, FeatureType>; names?: string[] } {
  const items = list(spec);
  if (items.length === 0) return { types: {} };
  const types: Record<string, FeatureType> = {};
  const names: string[] = [];
  for (const item of items) {
    const [name, type] = item.split(':');
    if (!name) throw new UsageError(`--features: empty feature name in "${spec}"`);
    if (type !== undefined && type !== 'numeric' && type !== 'categorical') {
      throw new UsageError(`--features: type of "${name}" must be numeric or categorical, got "${type}"`);
    }
    names.push(name);
    if (type) types[name] = type;
  }
  return { types, names };
}

function parseOutputs(spec: string | undefined): OutputSpec[] {
  return list(spec).map((item) => {
    const [name, role = 'prediction'] = item.split(':');
    if (!name || (role !== 'prediction' && role !== 'confidence')) {
      throw new UsageError(`--outputs: expected name:prediction or name:confidence, got "${item}"`);
    }
    return { name, role };
  });
}

function progressBar(): ((e: ProgressEvent) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (e) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const frac = e.totalBytes > 0 ? Math.min(1, e.bytesRead / e.totalBytes) : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    process.stderr.write(`\rpass ${e.pass}/2 [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${e.rows} rows`);
  };
}

async function create(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      model: { type: 'string' },
      out: { type: 'string' },
      features: { type: 'string' },
      exclude: { type: 'string' },
      outputs: { type: 'string' },
      label: { type: 'string' },
      bins: { type: 'string' },
      'top-k': { type: 'string' },
      'chunk-rows': { type: 'string' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  for (const req of ['data', 'model', 'out'] as const) if (!values[req]) throw new UsageError(`--${req} is required`);
  const { types, names } = parseFeatures(values.features);
  const outputs = parseOutputs(values.outputs);
  const progress = progressBar();
  const started = Date.now();
  const { profile, stats } = await profileFileBatch(
    values.data!,
    {
      model: values.model!,
      types,
      exclude: [...list(values.exclude), ...(values.label ? [values.label] : [])],
      outputs,
      bins: positiveInt('bins', values.bins),
      topK: positiveInt('top-k', values['top-k']),
      chunkRows: positiveInt('chunk-rows', values['chunk-rows']),
      ...(names ? { include: names } : {}),
    },
    { strict: values.strict },
    progress,
    values.label ? { label: values.label } : {},
  );
  if (progress) process.stderr.write('\n');
  if (profile.rows === 0) {
    console.error(`modelwatch baseline: no data rows in ${values.data}${stats.badRows ? ` (${stats.badRows} bad rows skipped)` : ''}; nothing written`);
    return 1;
  }
  if (names) {
    const missing = names.filter((n) => ![...profile.features, ...profile.outputs].some((f) => f.name === n));
    if (missing.length > 0) throw new UsageError(`--features: no column named ${missing.map((m) => `"${m}"`).join(', ')} in ${values.data}`);
  }
  writeFileSync(values.out!, JSON.stringify(profile, null, 2) + '\n');
  const secs = ((Date.now() - started) / 1000).toFixed(2);
  console.log(
    `wrote ${values.out}: model ${profile.model}, ${profile.rows} rows, ${profile.features.length} features, ${profile.outputs.length} outputs, ${profile.chunks.length} chunks (${secs}s)`,
  );
  if (values.label) {
    const perf = profile.performance?.result;
    if (!perf) console.error(`no row has both a ${values.label} and a prediction: no reference performance recorded`);
    else if (perf.task === 'classification') console.log(`reference performance on ${perf.n} labelled rows: accuracy ${perf.accuracy.toFixed(4)}, macro F1 ${perf.macroF1.toFixed(4)}`);
    else console.log(`reference performance on ${perf.n} labelled rows: MAE ${perf.mae.toPrecision(4)}, RMSE ${perf.rmse.toPrecision(4)}, bias ${perf.bias.toPrecision(4)}`);
  }
  if (stats.badRows > 0) {
    console.error(`skipped ${stats.badRows} bad rows; first ones:`);
    for (const i of stats.issues) console.error(`  ${values.data}:${i.line}:${i.column}: ${i.message}`);
  }
  return 0;
}

async function push(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      collector: { type: 'string' },
      token: { type: 'string' },
      'no-activate': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('push takes exactly one profile file');
  if (!values.collector) throw new UsageError('--collector is required');
  let base: URL;
  try {
    base = new URL(values.collector);
  } catch {
    throw new UsageError(`--collector: not a URL: "${values.collector}"`);
  }
  const file = positionals[0]!;
  const profile = parseBaselineProfile(JSON.parse(readFileSync(file, 'utf8')));
  const token = values.token ?? process.env.MODELWATCH_TOKEN;
  const url = new URL(`api/v1/models/${encodeURIComponent(profile.model)}/baselines`, base.href.endsWith('/') ? base : `${base.href}/`);
  if (values['no-activate']) url.searchParams.set('activate', 'false');
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(profile),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    console.error(`modelwatch baseline push: cannot reach the collector at ${base.origin} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
    return 1;
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { error: text.slice(0, 200) };
  }
  if (res.status === 401 || res.status === 403) {
    console.error(`modelwatch baseline push: ${res.status} unauthorised: ${body.error ?? ''} (pass --token or set MODELWATCH_TOKEN)`);
    return 1;
  }
  if (!res.ok) {
    console.error(`modelwatch baseline push: collector answered ${res.status}: ${body.error ?? text.slice(0, 200)}`);
    return 1;
  }
  console.log(`pushed ${file}: model ${String(body.model ?? profile.model)}, version ${String(body.version)}, ${body.active ? 'active' : 'not active'}`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'create') return await create(rest);
    if (sub === 'push') return await push(rest);
    if (!sub || sub === '--help' || sub === '-h') {
      console.log(USAGE);
      return sub ? 0 : 2;
    }
    throw new UsageError(`unknown subcommand "${sub}"`);
  } catch (e) {
    if (isUsageError(e)) {
      console.error(`modelwatch baseline: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof BaselineFormatError || e instanceof TableReadError || e instanceof SyntaxError || (e as { code?: string }).code === 'ENOENT') {
      console.error(`modelwatch baseline: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}

/**
 * `modelwatch dataset export`: the labelled prediction records of a period, streamed from the
 * collector into a file ready to append to a training set (or to profile with `baseline create`).
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { callCollector, CliUsageError, collectorTarget, runCommand } from '../http/collector-api.js';

const USAGE = `Usage:
  modelwatch dataset export --model NAME --out FILE [--collector URL] [--token T] [options]

  --model NAME          the model
  --out FILE            where to write (the format follows the extension unless --format is given)
  --format F            parquet | csv | jsonl
  --from TIME --to TIME period of the predictions (ISO 8601 or Unix ms; default: the retention period)
  --all                 every record of the period, not only the labelled ones
  --variant NAME        one variant only (primary, canary, shadow...)
  --collector URL       collector base URL (default: env MODELWATCH_COLLECTOR)
  --token T             bearer token with the reader scope (default: env MODELWATCH_TOKEN)`;

const FORMATS = ['parquet', 'csv', 'jsonl'];

async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      all: { type: 'boolean', default: false },
      variant: { type: 'string' },
      collector: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.model) throw new CliUsageError('--model is required');
  if (!values.out) throw new CliUsageError('--out is required');
  const ext = /\.(parquet|csv|jsonl|ndjson)$/i.exec(values.out)?.[1]?.toLowerCase();
  const format = values.format ?? (ext === 'ndjson' ? 'jsonl' : ext);
  if (!format || !FORMATS.includes(format)) throw new CliUsageError(`--format must be one of ${FORMATS.join(', ')} (or use a .parquet, .csv or .jsonl file name)`);
  const target = collectorTarget(values.collector, values.token);
  const q = new URLSearchParams({ format, labelled: values.all ? 'false' : 'true' });
  for (const k of ['from', 'to', 'variant'] as const) if (values[k] !== undefined) q.set(k, values[k]!);
  const res = await callCollector(target, `api/v1/models/${encodeURIComponent(values.model)}/dataset?${q}`);
  if (!res.body) throw new CliUsageError('the collector sent no body');
  let bytes = 0;
  const counted = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>).on('data', (c: Buffer) => (bytes += c.length));
  await pipeline(counted, createWriteStream(values.out));
  console.log(`wrote ${values.out}: ${format}, ${bytes} bytes, ${values.all ? 'all' : 'labelled'} records of ${values.model}`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  return runCommand('dataset', USAGE, async () => {
    if (sub === 'export') return exportCommand(rest);
    if (!sub || sub === '--help' || sub === '-h') {
      console.log(USAGE);
      return sub ? 0 : 2;
    }
    throw new CliUsageError(`unknown subcommand "${sub}"`);
  });
}

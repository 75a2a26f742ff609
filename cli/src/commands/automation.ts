/**
 * `modelwatch automation report`: from the labelled history, what automating every answer at or
 * above each confidence threshold would have meant (share automated, accuracy of those), so a
 * team picks its `--review-below` from data. The collector computes it; this prints it.
 */
import { parseArgs } from 'node:util';
import { callCollector, CliUsageError, collectorTarget, runCommand } from '../http/collector-api.js';

const USAGE = `Usage:
  modelwatch automation report --model NAME [--collector URL] [--token T] [options]

  --model NAME          the model
  --collector URL       collector base URL (default: env MODELWATCH_COLLECTOR)
  --token T             bearer token with the reader scope (default: env MODELWATCH_TOKEN)
  --from TIME --to TIME period of the predictions (ISO 8601 or Unix ms; default: the retention period)
  --thresholds LIST     confidence thresholds, e.g. 0.5,0.8,0.9,0.99 (default: 0 .. 0.99)
  --json                print the report as JSON`;

interface Report {
  model: string;
  from: string;
  to: string;
  labelled: number;
  rows: { threshold: number; automated: number; share: number; accuracy: number | null }[];
}

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

/** The report as a terminal table, highest threshold last (the order a team reads it in). */
export function formatReport(r: Report): string {
  const head = ['threshold', 'automated', 'share', 'accuracy'];
  const rows = r.rows.map((x) => [x.threshold.toFixed(2), String(x.automated), pct(x.share), pct(x.accuracy)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [`model ${r.model}: ${r.labelled} labelled answers with a confidence, ${r.from} .. ${r.to}`, '', line(head), ...rows.map(line)].join('\n');
}

async function report(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      collector: { type: 'string' },
      token: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      thresholds: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.model) throw new CliUsageError('--model is required');
  const target = collectorTarget(values.collector, values.token);
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'thresholds'] as const) if (values[k] !== undefined) q.set(k, values[k]!);
  const res = await callCollector(target, `api/v1/models/${encodeURIComponent(values.model)}/automation${q.size ? `?${q}` : ''}`);
  const body = (await res.json()) as Report;
  console.log(values.json ? JSON.stringify(body, null, 2) : formatReport(body));
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  return runCommand('automation', USAGE, async () => {
    if (sub === 'report') return report(rest);
    if (!sub || sub === '--help' || sub === '-h') {
      console.log(USAGE);
      return sub ? 0 : 2;
    }
    throw new CliUsageError(`unknown subcommand "${sub}"`);
  });
}

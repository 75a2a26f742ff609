/**
 * `modelwatch feedback push labels.csv`: sends a batch label file (ground truth that arrived
 * later, from a data warehouse or a labelling tool) to the collector's feedback API in batches,
 * and prints what became of every row by outcome (accepted, pending, duplicate, unknown_id, late, …).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { checkFeedbackBatch, FEEDBACK_LIMITS, type FeedbackItem } from '@modelwatch/core';
import { isUsageError, UsageError } from '../errors.js';

const USAGE = `Usage:
  modelwatch feedback push FILE.csv --model NAME --collector URL [--token T] [--batch N]

The CSV has a header row with prediction_id (or id) and at least one of:
  label    the true class            value   the true value (regression), or an event's value
  event    a user signal (redo, click, …)  time    when the truth became known (ISO 8601)

options:
  --model NAME        the model the predictions belong to
  --collector URL     collector base URL, e.g. http://127.0.0.1:9400
  --token T           bearer token with the labeller scope (default: env MODELWATCH_TOKEN)
  --batch N           items per request (default 5000, at most ${FEEDBACK_LIMITS.batch})`;

const ID_COLUMNS = ['prediction_id', 'predictionId', 'id'];

interface Totals {
  rows: number;
  outcomes: Record<string, number>;
}

function splitCsvLine(line: string): string[] {
  // Label files are simple: quoted fields are handled, line breaks inside quotes are not.
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new Error('unterminated quoted field');
  out.push(cur);
  return out;
}

async function send(url: URL, token: string | undefined, items: unknown[]): Promise<Record<string, number>> {
  let lastError = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ items }),
      });
    } catch (e) {
      lastError = `cannot reach the collector at ${url.origin} (${((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message)})`;
      continue;
    }
    const text = await res.text();
    let body: { outcomes?: Record<string, number>; error?: string; code?: string } = {};
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: text.slice(0, 200) };
    }
    if (res.ok) return body.outcomes ?? {};
    lastError = `HTTP ${res.status}${body.code ? ` ${body.code}` : ''}: ${body.error ?? ''}`;
    // Only a server-side failure is worth retrying; a refused batch will be refused again.
    if (res.status < 500) break;
  }
  throw new Error(lastError);
}

async function push(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      collector: { type: 'string' },
      token: { type: 'string' },
      batch: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('push takes exactly one CSV file');
  if (!values.model) throw new UsageError('--model is required');
  if (!values.collector) throw new UsageError('--collector is required');
  const batchSize = values.batch === undefined ? 5000 : Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > FEEDBACK_LIMITS.batch) {
    throw new UsageError(`--batch must be an integer from 1 to ${FEEDBACK_LIMITS.batch}`);
  }
  let base: URL;
  try {
    base = new URL(values.collector);
  } catch {
    throw new UsageError(`--collector: not a URL: "${values.collector}"`);
  }
  const url = new URL(`api/v1/models/${encodeURIComponent(values.model)}/feedback`, base.href.endsWith('/') ? base : `${base.href}/`);
  const token = values.token ?? process.env.MODELWATCH_TOKEN;
  const file = positionals[0]!;

  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let header: string[] | undefined;
  let idCol = -1;
  let lineNo = 0;
  const totals: Totals = { rows: 0, outcomes: {} };
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await send(url, token, batch);
    for (const [k, v] of Object.entries(outcomes)) totals.outcomes[k] = (totals.outcomes[k] ?? 0) + v;
    batch = [];
  };
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let cells: string[];
      try {
        cells = splitCsvLine(line);
      } catch (e) {
        console.error(`modelwatch feedback: ${file}:${lineNo}: ${(e as Error).message}`);
        return 1;
      }
      if (!header) {
        header = cells.map((c) => c.trim());
        idCol = header.findIndex((h) => ID_COLUMNS.includes(h));
        if (idCol < 0) throw new UsageError(`${file}: the header needs a prediction_id column (got ${header.join(', ')})`);
        if (!['label', 'value', 'event'].some((c) => header!.includes(c))) throw new UsageError(`${file}: the header needs a label, value or event column`);
        continue;
      }
      const item: Record<string, unknown> = { predictionId: cells[idCol] };
      header.forEach((h, i) => {
        const v = cells[i];
        if (i === idCol || v === undefined || v === '') return;
        if (h === 'label' || h === 'event' || h === 'time') item[h] = v;
        else if (h === 'value') item.value = Number(v);
      });
      // Checked here so a bad row names its line instead of failing a whole batch at the collector.
      const checked = checkFeedbackBatch([item]);
      if (!checked.ok) {
        console.error(`modelwatch feedback: ${file}:${lineNo}: ${checked.error.replace('items[0]', 'row')}`);
        return 1;
      }
      batch.push(checked.value[0] as FeedbackItem as unknown as Record<string, unknown>);
      totals.rows++;
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    console.error(`modelwatch feedback push: ${(e as Error).message}`);
    console.error(`sent before the failure: ${JSON.stringify(totals.outcomes)}`);
    return 1;
  }
  const parts = Object.entries(totals.outcomes).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  console.log(`${file}: ${totals.rows} rows sent to ${values.model}: ${parts.join(', ') || 'nothing'}`);
  if ((totals.outcomes.pending ?? 0) > 0) {
    console.log(
      `${totals.outcomes.pending} pending: their prediction records have not reached the collector yet; the collector holds these ` +
        'labels and joins them when the records arrive (within its --pending-labels-grace; no need to resend)',
    );
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'push') return await push(rest);
    if (sub === '--help' || sub === '-h') {
      console.log(USAGE);
      return 0;
    }
    throw new UsageError(sub ? `unknown subcommand "${sub}"; use push` : 'a subcommand is required: push');
  } catch (e) {
    if (isUsageError(e)) {
      console.error(`modelwatch feedback: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if ((e as { code?: string }).code === 'ENOENT') {
      console.error(`modelwatch feedback: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}

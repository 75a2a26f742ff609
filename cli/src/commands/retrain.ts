/**
 * `modelwatch retrain --model M`: a manual retraining trigger. The collector calls its configured
 * webhook now (whatever the cool-down) with reason `manual`, the note and the export link, and
 * records the trigger in the model's retraining history.
 */
import { parseArgs } from 'node:util';
import { callCollector, CliUsageError, collectorTarget, runCommand } from '../http/collector-api.js';

const USAGE = `Usage:
  modelwatch retrain --model NAME [--note TEXT] [--collector URL] [--token T]
  modelwatch retrain --model NAME --history [--collector URL]

  --model NAME          the model
  --note TEXT           why (goes to the webhook and the history)
  --history             print the model's retraining history instead
  --collector URL       collector base URL (default: env MODELWATCH_COLLECTOR)
  --token T             bearer token with the writer scope (default: env MODELWATCH_TOKEN)`;

interface Event {
  id: string;
  timeMs: number;
  reason: string;
  outcome: string;
  detail: { export?: { url?: string }; delivery?: { attempts?: number; error?: string } };
}

export async function run(argv: string[]): Promise<number> {
  return runCommand('retrain', USAGE, async () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        note: { type: 'string' },
        history: { type: 'boolean', default: false },
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
    const target = collectorTarget(values.collector, values.token);
    const path = `api/v1/models/${encodeURIComponent(values.model)}/retraining`;
    if (values.history) {
      const body = (await (await callCollector(target, path)).json()) as { history: Event[] };
      for (const e of body.history) console.log(`${new Date(e.timeMs).toISOString()}  ${e.reason.padEnd(13)}  ${e.outcome.padEnd(10)}  ${e.id}`);
      if (body.history.length === 0) console.log(`no retraining triggers for ${values.model}`);
      return 0;
    }
    // A delivery that failed every attempt is answered 502: the CLI reports it and exits 1.
    const event = ((await (await callCollector(target, path, { body: values.note !== undefined ? { note: values.note } : {} })).json()) as { event: Event }).event;
    console.log(`retraining of ${values.model} triggered (${event.id}): webhook ${event.outcome}; training data: ${event.detail.export?.url ?? '-'}`);
    return 0;
  });
}

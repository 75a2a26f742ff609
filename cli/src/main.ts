/**
 * `modelwatch <command>`: one entry point for every part. Each command lives in its own module
 * under commands/ and is loaded only when used, so `modelwatch drift` never pays for onnxruntime.
 */
interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number | void> }>;
}

const COMMANDS: Record<string, Command> = {
  sidecar: { summary: 'wrap a model server (proxy) or run an ONNX model, with metrics and traces', load: () => import('./commands/sidecar.js') },
  collector: { summary: 'baseline registry and drift engine, exported for Prometheus', load: () => import('./commands/collector.js') },
  baseline: { summary: 'create a training baseline profile from CSV/JSONL/Parquet, or push one', load: () => import('./commands/baseline.js') },
  feedback: { summary: 'send ground-truth labels and user signals from a CSV file to the collector', load: () => import('./commands/feedback.js') },
  drift: { summary: 'batch drift report: a baseline profile vs a file of recent data', load: () => import('./commands/drift.js') },
  automation: { summary: 'automation report: share automated and its accuracy per confidence threshold', load: () => import('./commands/automation.js') },
  dataset: { summary: 'export the labelled prediction records of a period (parquet, csv, jsonl)', load: () => import('./commands/dataset.js') },
  retrain: { summary: 'trigger retraining now (the collector calls its webhook) or show the history', load: () => import('./commands/retrain.js') },
  rollout: { summary: 'read and change a sidecar\'s variant routing: status, set, promote, rollback', load: () => import('./commands/rollout.js') },
  demo: { summary: 'the main job: collector + sidecar with the example model, replaying real traffic', load: () => import('./commands/demo.js') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: modelwatch <command> [options]', '', 'Commands:', ...lines, '', 'Run `modelwatch <command> --help` for the options of a command.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`modelwatch: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return (await mod.run(rest)) ?? 0;
}

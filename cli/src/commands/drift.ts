/**
 * `modelwatch drift`: batch drift of a data file against a baseline profile. A table on a
 * terminal, JSON with --json (or when piped and --json given). Exit 0 whether or not there is
 * drift (the verdict is in the output) unless --fail-on-drift; 1 for unreadable inputs; 2 for bad flags.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fetchActiveBaseline, fileSource, pushWindow, PushError } from '../batch/push-window.js';
import { parseArgs } from 'node:util';
import {
  computeDrift,
  computeRawDrift,
  profileHistograms,
  readRawTable,
  renderHtmlReport,
  summarizeReport,
  parseBaselineProfile,
  windowFromFileBatch,
  BaselineFormatError,
  TableReadError,
  DRIFT_METHODS,
  type DriftMethod,
  type DriftReport,
  type DriftOptions,
  type FeatureHistogram,
  type ReadStats,
} from '@modelwatch/core';
import { isUsageError, UsageError } from '../errors.js';

const USAGE = `Usage: modelwatch drift --baseline profile.json --data window.csv [options]
       modelwatch drift --reference train.csv --data window.csv [options]
       modelwatch drift --data scored.csv --push --collector URL --model NAME [options]

  --baseline FILE       baseline profile (from \`modelwatch baseline create\`): binned statistics
  --reference FILE      raw reference data instead of a profile: statistics on the raw values
                        (KS as SciPy's ks_2samp, Wasserstein as wasserstein_distance / reference std)
  --data FILE           recent data: .csv, .jsonl/.ndjson, .json (array) or .parquet
  --exclude LIST        columns to leave out with --reference (ids, timestamps, labels)
  --html FILE           also write a self-contained HTML report (opens from disk, no network)
  --push                send the file's counts (inputs and outputs) to --collector as a pushed
                        window, binned on the collector's active baseline of --model (or --baseline)
  --collector URL       collector base URL for --push
  --model NAME          model whose active baseline to use with --push (default: the profile's)
  --token T             bearer token for --push (default: env MODELWATCH_TOKEN)
  --json                print the drift report as JSON
  --method NAME         force one method for every feature (${[...DRIFT_METHODS.keys()].join(', ')})
  --threshold X         global threshold (overrides calibrated thresholds)
  --dataset-share X     share of drifted features for dataset drift (default 0.5)
  --strict              stop at the first bad row
  --fail-on-drift       exit 1 when the dataset drifts`;


function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4)) return v.toExponential(2);
  return v.toFixed(4);
}

export function renderTable(report: DriftReport): string {
  const header = ['feature', 'kind', 'method', 'score', 'threshold', 'source', 'verdict', 'n'];
  const rows = report.features.map((r) => [
    r.feature,
    r.kind,
    r.method,
    fmt(r.score),
    `${r.direction === 'higher_is_drift' ? '>' : '<'} ${fmt(r.threshold)}`,
    r.thresholdSource,
    r.verdict === 'drift' ? 'DRIFT' : r.verdict === 'no_drift' ? 'ok' : 'insufficient data',
    String(r.windowSamples),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const notes = report.features.filter((r) => r.note).map((r) => `  ${r.feature} (${r.kind}): ${r.note}`);
  const drifted = report.features.filter((r) => r.kind === 'input' && r.verdict === 'drift').length;
  const judged = report.features.filter((r) => r.kind === 'input' && r.verdict !== 'insufficient_data').length;
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...(notes.length ? ['', 'notes:', ...notes] : []),
    '',
    judged === 0
      ? `NO VERDICT: ${summarizeReport(report).text}`
      : `${report.datasetDrift ? 'DATASET DRIFT' : 'NO DATASET DRIFT'}: ${drifted} of ${judged} features drifted ` +
        `(share ${report.driftedShare.toFixed(2)}, dataset drift at ≥ ${report.datasetDriftThreshold})`,
  ].join('\n');
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        baseline: { type: 'string' },
        reference: { type: 'string' },
        exclude: { type: 'string' },
        html: { type: 'string' },
        push: { type: 'boolean', default: false },
        collector: { type: 'string' },
        model: { type: 'string' },
        token: { type: 'string' },
        data: { type: 'string' },
        json: { type: 'boolean', default: false },
        method: { type: 'string' },
        threshold: { type: 'string' },
        'dataset-share': { type: 'string' },
        strict: { type: 'boolean', default: false },
        'fail-on-drift': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.push) {
      if (!values.collector) throw new UsageError('--push needs --collector');
      if (values.reference) throw new UsageError('--push sends counts on a baseline\'s bins: use --baseline or --model, not --reference');
      if (!values.baseline && !values.model) throw new UsageError('--push needs --model (its active baseline on the collector) or --baseline');
    } else if (!values.baseline && !values.reference) throw new UsageError('--baseline (a profile) or --reference (a raw file) is required');
    if (values.baseline && values.reference) throw new UsageError('give --baseline or --reference, not both');
    if (!values.data) throw new UsageError('--data is required');
    if (values.method && !DRIFT_METHODS.has(values.method as DriftMethod)) {
      throw new UsageError(`--method must be one of ${[...DRIFT_METHODS.keys()].join(', ')}, got "${values.method}"`);
    }
    const options: DriftOptions = {
      ...(values.method ? { method: values.method as DriftMethod } : {}),
      ...(values.threshold !== undefined ? { threshold: num('threshold', values.threshold) } : {}),
      ...(values['dataset-share'] !== undefined ? { datasetDriftShare: num('dataset-share', values['dataset-share']) } : {}),
    };
    let report: DriftReport;
    let histograms: FeatureHistogram[];
    let stats: ReadStats;
    let title: string;
    let pushed: string | undefined;
    if (values.reference) {
      const exclude = values.exclude ? values.exclude.split(',').map((x) => x.trim()).filter(Boolean) : [];
      const ref = await readRawTable(values.reference, { exclude }, { strict: values.strict });
      const cur = await readRawTable(values.data, { specs: ref.specs }, { strict: values.strict });
      stats = cur.stats;
      ({ report, histograms } = computeRawDrift(ref.table, cur.table, options, { model: basename(values.reference) }));
      title = `${basename(values.data)} vs ${basename(values.reference)}: ${stats.rows} rows vs ${ref.stats.rows} reference rows`;
    } else {
      const token = values.token ?? process.env.MODELWATCH_TOKEN;
      const baseline = values.baseline
        ? parseBaselineProfile(JSON.parse(readFileSync(values.baseline, 'utf8')))
        : await fetchActiveBaseline(values.collector!, values.model!, token);
      const read = await windowFromFileBatch(values.data, baseline, { strict: values.strict });
      stats = read.stats;
      report = computeDrift(baseline, read.window, options);
      histograms = profileHistograms(baseline, read.window);
      title = `model ${baseline.model}${baseline.version ? ` (baseline ${baseline.version})` : ''}: ${stats.rows} rows from ${values.data}`;
      if (values.push) {
        const status = await pushWindow(values.collector!, baseline, read.window, stats.rows, await fileSource(values.data), token);
        pushed = `${status === 'duplicate' ? 'already pushed' : 'pushed'} ${stats.rows} rows of ${values.data} to ${values.collector} as a window of ${baseline.model} (baseline ${baseline.version ?? 'unversioned'})`;
      }
    }
    if (values.json) console.log(JSON.stringify({ ...report, rows: stats.rows, badRows: stats.badRows }, null, 2));
    else {
      console.log(`${title}\n`);
      console.log(renderTable(report));
    }
    if (pushed) (values.json ? console.error : console.log)(`\n${pushed}`);
    if (values.html) {
      writeFileSync(values.html, renderHtmlReport(report, histograms, { title, source: values.reference ? 'raw' : 'profile' }));
      if (!values.json) console.log(`\nwrote ${values.html}`);
    }
    if (stats.badRows > 0) {
      console.error(`skipped ${stats.badRows} bad rows; first ones:`);
      for (const i of stats.issues) console.error(`  ${values.data}:${i.line}:${i.column}: ${i.message}`);
    }
    return values['fail-on-drift'] && report.datasetDrift ? 1 : 0;
  } catch (e) {
    if (isUsageError(e)) {
      console.error(`modelwatch drift: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof PushError) {
      console.error(`modelwatch drift: ${e.message}`);
      return 1;
    }
    if (e instanceof BaselineFormatError || e instanceof TableReadError || e instanceof SyntaxError || (e as { code?: string }).code === 'ENOENT') {
      console.error(`modelwatch drift: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}

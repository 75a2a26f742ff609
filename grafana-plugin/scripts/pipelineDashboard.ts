/**
 * Generates dashboards/pipeline.json: the Pipeline dashboard built around the pipeline health panel.
 * Its queries are the panel's query set (src/data/queries.ts), so the two cannot drift apart; a test
 * checks the committed file equals this output. Run: npm run dashboard -w grafana-plugin
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PANEL_QUERIES, RefId, type RefIdValue } from '../src/data/queries.js';
import { DEFAULT_OPTIONS } from '../src/types.js';
// The dashboard envelope (variables, links, refresh) is shared with the other modelwatch dashboards.
import { dashboard, DS, type Panel } from '../../dashboards/src/grafana.js';

const PLUGIN_ID = 'modelwatch-pipelinehealth-panel';

interface Trend {
  title: string;
  ref: RefIdValue;
  unit: string;
  legend: string;
  description: string;
}

// Trends of the panel's signals, same PromQL as range queries, to see how a stage got to its state.
const TRENDS: Trend[] = [
  { title: 'Requests per stage', ref: RefId.requests, unit: 'reqps', legend: '{{pipeline}}/{{stage}}', description: 'Inference requests per second.' },
  { title: 'Error ratio per stage', ref: RefId.errors, unit: 'percentunit', legend: '{{pipeline}}/{{stage}}', description: 'Server-side failures (upstream and internal errors) over all requests.' },
  { title: 'Latency p99 per stage', ref: RefId.p99, unit: 's', legend: '{{pipeline}}/{{stage}}', description: 'p99 of the time from request received to response sent.' },
  { title: 'Empty outputs per stage', ref: RefId.empty, unit: 'percentunit', legend: '{{pipeline}}/{{stage}}', description: 'Null or empty outputs over all outputs.' },
  { title: 'Low confidence per stage', ref: RefId.lowConfidence, unit: 'percentunit', legend: '{{pipeline}}/{{stage}}', description: 'Predictions under the confidence threshold.' },
  { title: 'Drifted features per model', ref: RefId.drift, unit: 'percentunit', legend: '{{model}}', description: 'Share of input features the collector found drifted.' },
  { title: 'Realized accuracy vs reference per model', ref: RefId.performance, unit: 'percentunit', legend: '{{model}}', description: 'Realized accuracy over the day from ground-truth labels, as a share of the baseline\'s hold-out accuracy (worst variant).' },
];

function target(refId: string, expr: string, instant: boolean, legendFormat = '') {
  return { datasource: DS, refId, expr, legendFormat, format: 'time_series', instant, range: !instant };
}

export function buildPipelineDashboard() {
  const panels: Panel[] = [];
  let id = 1;
  panels.push({
    id: id++,
    type: PLUGIN_ID,
    title: 'Pipeline health',
    description: 'Each stage of each pipeline, left to right by topology, with its request rate and its worst signal. Hover a stage for every signal and its threshold.',
    datasource: DS,
    gridPos: { x: 0, y: 0, w: 24, h: 14 },
    // The panel reads its own units per signal; the unit here covers the request rates it shows.
    fieldConfig: { defaults: { unit: 'reqps' }, overrides: [] },
    options: DEFAULT_OPTIONS,
    targets: (Object.keys(PANEL_QUERIES) as RefIdValue[]).map((ref) => target(ref, PANEL_QUERIES[ref], true)),
  });
  panels.push({ id: id++, type: 'row', title: 'Signal trends', collapsed: false, panels: [], gridPos: { x: 0, y: 14, w: 24, h: 1 } });
  TRENDS.forEach((t, i) => {
    panels.push({
      id: id++,
      type: 'timeseries',
      title: t.title,
      description: t.description,
      datasource: DS,
      gridPos: { x: (i % 3) * 8, y: 15 + Math.floor(i / 3) * 8, w: 8, h: 8 },
      fieldConfig: {
        defaults: { unit: t.unit, min: 0, thresholds: { mode: 'absolute', steps: [{ value: null, color: 'green' }] } },
        overrides: [],
      },
      options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: [target(t.ref, PANEL_QUERIES[t.ref], false, t.legend)],
    });
  });
  return dashboard({
    uid: 'modelwatch-pipeline',
    title: 'modelwatch / Pipeline',
    description: 'Health of every stage of the ML inference pipelines (modelwatch pipeline health panel).',
    variables: [{ name: 'pipeline', label: 'Pipeline', query: 'label_values(modelwatch_model_info, pipeline)', multi: true, includeAll: true }],
    panels,
  });
}

export const DASHBOARD_PATH = fileURLToPath(new URL('../../dashboards/pipeline.json', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(DASHBOARD_PATH, `${JSON.stringify(buildPipelineDashboard(), null, 2)}\n`);
  console.log(`wrote ${DASHBOARD_PATH}`);
}

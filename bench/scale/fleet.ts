/**
 * A synthetic fleet in the sidecar's real exposition format: one replica's /metrics is rendered by
 * the real SidecarTelemetry (real baseline with F numeric features of 20 bins, a real batch
 * observed), then every replica of every model repeats it with its own `instance` label, growing
 * each counter by its per-scrape increment every 15 s. Written as OpenMetrics for
 * `promtool tsdb create-blocks-from openmetrics`, or as Prometheus text with millisecond
 * timestamps for VictoriaMetrics' /api/v1/import/prometheus.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { BASELINE_SCHEMA, RecordedWindows, type BaselineProfile } from '../../core/src/index.js';
import { SidecarTelemetry } from '../../sidecar/src/metrics/telemetry.js';

export const BINS = 20;
export const SCRAPE_MS = 15_000;
/** Baseline edges: 21 edges for 20 bins between min and max (two open outer bins on top). */
const EDGES = Array.from({ length: BINS + 1 }, (_, i) => i);

export function profile(model: string, features: number): BaselineProfile {
  return {
    schema: BASELINE_SCHEMA,
    model,
    createdAt: new Date().toISOString(),
    rows: 100_000,
    features: Array.from({ length: features }, (_, i) => ({
      name: `f${i}`,
      type: 'numeric' as const,
      count: 100_000,
      missing: 0,
      min: 0,
      max: BINS,
      mean: BINS / 2,
      std: 5,
      bins: { edges: EDGES, counts: new Array(BINS + 2).fill(100_000 / (BINS + 2)) },
    })),
    outputs: [],
    chunks: [],
  };
}

/** One series of a replica: its text without value, whether it grows, and its per-scrape increment. */
interface Line {
  /** `name{labels` without the closing brace, so `instance` can be appended. */
  open: string;
  increment: number;
}

/**
 * The series of one replica of `model` as the sidecar renders them after one scrape interval of
 * traffic (10 rows per scrape, values spread over the bins, one NaN). Gauges and info metrics are
 * kept at their value; every counter and bucket grows by its value each scrape.
 */
export async function replicaLines(model: string, features: number): Promise<Line[]> {
  const t = new SidecarTelemetry({
    identity: { model, modelVersion: '1', pipeline: 'bench', stage: 'model', variant: 'primary' },
    mode: 'json',
    upstreamStages: [],
    maxMonitoredFeatures: features,
    lowConfidenceThreshold: 0.5,
    defaultMetrics: false,
  });
  t.setBaseline(profile(model, features), [], {});
  const columns = new Map<string, number[]>();
  for (let f = 0; f < features; f++) columns.set(`f${f}`, Array.from({ length: 10 }, (_, r) => ((r * 7 + f) % (BINS + 2)) - 0.5));
  columns.get('f0')![0] = NaN;
  t.observeInputs({ rows: 10, columns });
  t.requestFinished('success', 200, 0.01, 500, 100);
  const text = await t.metrics();
  const lines: Line[] = [];
  for (const l of text.split('\n')) {
    if (l === '' || l.startsWith('#')) continue;
    const m = /^([^{ ]+)(\{.*\})? (\S+)$/.exec(l);
    if (!m) continue;
    const labels = m[2] ? m[2].slice(0, -1) + ',' : '{';
    lines.push({ open: `${m[1]}${labels}`, increment: Number(m[3]) });
  }
  return lines;
}

export interface FleetSpec {
  replicas: number;
  models: number;
  features: number;
  startMs: number;
  endMs: number;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * Writes the raw fleet, time-major (every series at t0, then t1…), as OpenMetrics (`om`,
 * seconds, `# EOF`) or Prometheus text with millisecond timestamps (`prom`). Returns the series count.
 */
export async function writeRawFleet(out: Writable, spec: FleetSpec, format: 'om' | 'prom'): Promise<number> {
  const perModel = await Promise.all(Array.from({ length: spec.models }, (_, m) => replicaLines(`model${m}`, spec.features)));
  const steps = Math.floor((spec.endMs - spec.startMs) / SCRAPE_MS);
  for (let k = 0; k <= steps; k++) {
    const t = spec.startMs + k * SCRAPE_MS;
    const ts = format === 'om' ? (t / 1000).toFixed(3) : String(t);
    for (let m = 0; m < spec.models; m++) {
      for (let r = 0; r < spec.replicas; r++) {
        const inst = `instance="10.0.${r >> 8}.${r & 255}:8080",job="modelwatch-sidecar"} `;
        const parts: string[] = [];
        for (const l of perModel[m]) parts.push(`${l.open}${inst}${l.increment * (k + 1)} ${ts}\n`);
        await write(out, parts.join(''));
      }
    }
  }
  if (format === 'om') await write(out, '# EOF\n');
  return perModel.reduce((a, l) => a + l.length, 0) * spec.replicas;
}

/**
 * Writes what the shipped window rules record for this fleet, once a minute: per model, feature
 * and bucket the per-replica 1m increase summed over the replicas (every replica adds the same
 * per-scrape increment, so the sum is replicas × 4 scrapes × increment). The series count is
 * models × features × buckets whatever the replica count: the replica count only scales values.
 */
export async function writeRecordedFleet(out: Writable, spec: FleetSpec, format: 'om' | 'prom'): Promise<number> {
  const lines = await replicaLines('model0', spec.features);
  const bucket = RecordedWindows.featureBuckets;
  const invalid = RecordedWindows.invalidValues;
  const src = lines.filter((l) => l.open.startsWith(`${bucket.source}{`) || l.open.startsWith(`${invalid.source}{`));
  // Invalid values are recorded without `kind`: sum the three kinds per feature.
  const perFeatureInvalid = new Map<string, number>();
  const buckets: { labels: string; inc: number }[] = [];
  for (const l of src) {
    const labels = l.open.slice(l.open.indexOf('{') + 1).replace(/,$/, '');
    if (l.open.startsWith(bucket.source)) buckets.push({ labels, inc: l.increment });
    else {
      const key = labels.replace(/,kind="[a-z]+"/, '');
      perFeatureInvalid.set(key, (perFeatureInvalid.get(key) ?? 0) + l.increment);
    }
  }
  const scrapesPerMinute = 60_000 / SCRAPE_MS;
  const steps = Math.floor((spec.endMs - spec.startMs) / 60_000);
  let series = 0;
  for (let k = 0; k <= steps; k++) {
    const t = spec.startMs + k * 60_000;
    const ts = format === 'om' ? (t / 1000).toFixed(3) : String(t);
    for (let m = 0; m < spec.models; m++) {
      const parts: string[] = [];
      const model = (labels: string) => labels.replace('model="model0"', `model="model${m}"`);
      for (const b of buckets) parts.push(`${bucket.record}{${model(b.labels)}} ${b.inc * scrapesPerMinute * spec.replicas} ${ts}\n`);
      for (const [labels, inc] of perFeatureInvalid) parts.push(`${invalid.record}{${model(labels)}} ${inc * scrapesPerMinute * spec.replicas} ${ts}\n`);
      if (k === 0) series += parts.length;
      await write(out, parts.join(''));
    }
  }
  if (format === 'om') await write(out, '# EOF\n');
  return series;
}

import type { DataFrame } from '@grafana/data';
import type { EdgeView, PanelOptions, PanelView, PipelineView, StageView } from '../types.js';
import { samplesByRefId, type Sample } from './frames.js';
import { evaluateSignals, worst, type StageMeasurements } from './health.js';
import { edgeKey, layoutGraph } from './layout.js';
import { ALL_REF_IDS, OPTIONAL_REF_IDS, RefId } from './queries.js';
import type { VariantView } from '../types.js';

interface StageAcc {
  pipeline: string;
  name: string;
  models: Set<string>;
  upstream: Set<string>;
  targets: Set<string>;
  requestRate?: number;
  m: StageMeasurements;
  inTopology: boolean;
  variants: Map<string, VariantView>;
}

const stageId = (pipeline: string, stage: string) => `${pipeline}/${stage}`;
const targetId = (l: Record<string, string>) => `${l.job ?? ''}\u0000${l.instance ?? ''}`;

/** Frames from the panel's queries (see queries.ts) → pipelines of laid-out stages with their health. */
export function buildPanelView(
  frames: readonly DataFrame[],
  options: PanelOptions,
  interpolate: (s: string) => string = (s) => s,
): PanelView {
  const byRef = samplesByRefId(frames);
  const get = (ref: string): Sample[] => byRef.get(ref) ?? [];
  const stages = new Map<string, StageAcc>();
  const stageFor = (l: Record<string, string>, inTopology: boolean): StageAcc | undefined => {
    if (!l.pipeline || !l.stage) return undefined;
    const id = stageId(l.pipeline, l.stage);
    let s = stages.get(id);
    if (!s) {
      s = { pipeline: l.pipeline, name: l.stage, models: new Set(), upstream: new Set(), targets: new Set(), m: {}, inTopology, variants: new Map() };
      stages.set(id, s);
    }
    if (inTopology) s.inTopology = true;
    return s;
  };

  for (const { labels } of get(RefId.topology)) {
    const s = stageFor(labels, true);
    if (!s) continue;
    if (labels.model) s.models.add(labels.model);
    for (const u of (labels.upstream_stages ?? '').split(',')) if (u.trim()) s.upstream.add(u.trim());
    if (labels.job || labels.instance) s.targets.add(targetId(labels));
  }

  for (const { labels, value } of get(RefId.requests)) {
    const s = stageFor(labels, false);
    if (s) s.requestRate = (s.requestRate ?? 0) + value;
  }
  const maxInto = (ref: string, key: 'errorRatio' | 'latencyP99' | 'emptyOutputRatio' | 'lowConfidenceRatio') => {
    for (const { labels, value } of get(ref)) {
      const s = stageFor(labels, false);
      if (s) s.m[key] = Math.max(s.m[key] ?? -Infinity, value);
    }
  };
  maxInto(RefId.errors, 'errorRatio');
  // A stage is as unhealthy as its worst variant: a failing canary colours the stage.
  maxInto(RefId.variantErrors, 'errorRatio');
  for (const { labels, value } of get(RefId.variants)) {
    const s = stageFor(labels, false);
    if (s && labels.variant) s.variants.set(labels.variant, { name: labels.variant, role: labels.role ?? 'primary', weight: value });
  }
  for (const { labels, value } of get(RefId.variantErrors)) {
    const v = labels.variant ? stages.get(stageId(labels.pipeline ?? '', labels.stage ?? ''))?.variants.get(labels.variant) : undefined;
    if (v) v.errorRatio = value;
  }
  maxInto(RefId.p99, 'latencyP99');
  maxInto(RefId.empty, 'emptyOutputRatio');
  maxInto(RefId.lowConfidence, 'lowConfidenceRatio');

  const driftRatio = maxByLabel(get(RefId.drift), 'model');
  const driftDetected = maxByLabel(get(RefId.driftDetected), 'model');
  const performance = maxByLabel(get(RefId.performance).map((x) => ({ ...x, value: -x.value })), 'model');
  const up = new Map<string, number>();
  for (const { labels, value } of get(RefId.up)) up.set(targetId(labels), Math.min(up.get(targetId(labels)) ?? 1, value));

  for (const s of stages.values()) {
    for (const model of s.models) {
      const r = driftRatio.get(model);
      if (r !== undefined) s.m.driftedFeaturesRatio = Math.max(s.m.driftedFeaturesRatio ?? -Infinity, r);
      if ((driftDetected.get(model) ?? 0) >= 1) s.m.datasetDrift = true;
      // Worst model of the stage (values were negated so the max is the lowest ratio).
      const p = performance.get(model);
      if (p !== undefined) s.m.accuracyVsReference = Math.min(s.m.accuracyVsReference ?? Infinity, -p);
    }
    const known = [...s.targets].filter((t) => up.has(t));
    if (known.length) {
      s.m.targets = known.length;
      s.m.upRatio = known.filter((t) => up.get(t)! >= 1).length / known.length;
    }
  }

  const pipelines = new Map<string, StageAcc[]>();
  for (const s of stages.values()) (pipelines.get(s.pipeline) ?? pipelines.set(s.pipeline, []).get(s.pipeline)!).push(s);
  const views = [...pipelines.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, list]) => buildPipeline(name, list, options, interpolate));

  const hasData = stages.size > 0;
  return {
    pipelines: views,
    stageCount: views.reduce((n, p) => n + p.stages.length, 0),
    missingQueries: hasData ? ALL_REF_IDS.filter((r) => !OPTIONAL_REF_IDS.has(r) && get(r).length === 0) : [],
  };
}

function maxByLabel(samples: Sample[], label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const { labels, value } of samples) {
    const k = labels[label];
    if (k) out.set(k, Math.max(out.get(k) ?? -Infinity, value));
  }
  return out;
}

function buildPipeline(name: string, list: StageAcc[], options: PanelOptions,
  interpolate: (s: string) => string): PipelineView {
  const names = new Set(list.map((s) => s.name));
  // Upstream stages named by the topology but exporting nothing themselves: drawn as unknown nodes.
  const unknown = new Set<string>();
  for (const s of list) for (const u of s.upstream) if (!names.has(u)) unknown.add(u);
  const allNames = [...names, ...unknown];
  const edgePairs: Array<[string, string]> = [];
  for (const s of list) for (const u of s.upstream) edgePairs.push([u, s.name]);
  const layout = layoutGraph({ nodes: allNames, edges: edgePairs });

  const stages: StageView[] = [];
  for (const s of list) {
    const signals = evaluateSignals(s.m, options);
    const model = [...s.models].sort()[0] ?? '';
    stages.push({
      id: stageId(name, s.name), pipeline: name, name: s.name,
      models: [...s.models].sort(), upstream: [...s.upstream].sort(),
      requestRate: s.requestRate, signals, health: worst(signals.map((x) => x.state)),
      unknown: false, missingTopology: !s.inTopology,
      layer: layout.layer.get(s.name)!, row: layout.row.get(s.name)!,
      link: stageLink(options.stageLinkTemplate, { pipeline: name, stage: s.name, model }, interpolate),
      ...variantsOf(s),
    });
  }
  for (const u of unknown) {
    stages.push({
      id: stageId(name, u), pipeline: name, name: u, models: [], upstream: [],
      signals: evaluateSignals({}, options), health: 'unknown', unknown: true, missingTopology: true,
      layer: layout.layer.get(u)!, row: layout.row.get(u)!, variants: [],
    });
  }
  stages.sort((a, b) => a.layer - b.layer || a.row - b.row);

  const rateOf = new Map(list.map((s) => [s.name, s.requestRate]));
  const upstreamCount = new Map(list.map((s) => [s.name, s.upstream.size]));
  const edges: EdgeView[] = edgePairs.map(([from, to]) => ({
    from: stageId(name, from), to: stageId(name, to), rate: rateOf.get(to),
    join: (upstreamCount.get(to) ?? 0) > 1, back: layout.backEdges.has(edgeKey(from, to)),
  }));
  return {
    name, stages, edges, layers: layout.layers, maxRows: layout.maxRows,
    health: worst(stages.map((s) => s.health)),
  };
}

/** Variants in role order (primary, canary, shadow, standby) and what kind of rollout they make. */
function variantsOf(s: StageAcc): { variants: VariantView[]; rollout?: StageView['rollout'] } {
  const order = ['primary', 'canary', 'shadow', 'standby'];
  const variants = [...s.variants.values()].sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role) || (a.name < b.name ? -1 : 1));
  const active = (role: string) => variants.some((v) => v.role === role && v.weight > 0);
  const rollout = active('canary') ? 'canary' as const : active('shadow') ? 'shadow' as const : variants.some((v) => v.role === 'standby') ? 'blue-green' as const : undefined;
  return { variants, ...(rollout ? { rollout } : {}) };
}

export function stageLink(template: string, values: Record<'pipeline' | 'stage' | 'model', string>,
  interpolate: (s: string) => string): string | undefined {
  if (!template.trim()) return undefined;
  const filled = template.replace(/\{\{\s*(pipeline|stage|model)\s*\}\}/g,
    (_, k: 'pipeline' | 'stage' | 'model') => encodeURIComponent(values[k]));
  return interpolate(filled);
}

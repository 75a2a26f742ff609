import { FieldType, type DataFrame } from '@grafana/data';
import { describe, expect, it } from 'vitest';
import { buildPanelView } from '../../src/data/viewModel.js';
import { createFrame, healthyStage, options, topology } from '../factories.js';

const stageOf = (frames: DataFrame[], id: string) =>
  buildPanelView(frames, options()).pipelines.flatMap((p) => p.stages).find((s) => s.id === id)!;

describe('buildPanelView', () => {
  it('returns no pipelines and no missing-query notice when there is no data', () => {
    const view = buildPanelView([], options());
    expect(view.pipelines).toEqual([]);
    expect(view.missingQueries).toEqual([]);
  });

  it('lays a chain out left to right with the request rate on each edge', () => {
    const frames = [
      topology('fraud', 'features'), topology('fraud', 'score', ['features']), topology('fraud', 'explain', ['score']),
      ...healthyStage('fraud', 'features', { requests: 30 }), ...healthyStage('fraud', 'score', { requests: 20 }),
      ...healthyStage('fraud', 'explain'),
    ];
    const [p] = buildPanelView(frames, options()).pipelines;
    expect(p.stages.map((s) => [s.name, s.layer])).toEqual([['features', 0], ['score', 1], ['explain', 2]]);
    expect(p.edges).toContainEqual({ from: 'fraud/features', to: 'fraud/score', rate: 20, join: false, back: false });
    expect(p.health).toBe('ok');
  });

  it('places a join after the longest branch and marks its edges as joins', () => {
    const frames = [
      topology('p', 'in'), topology('p', 'a', ['in']), topology('p', 'b', ['in']), topology('p', 'b2', ['b']),
      topology('p', 'join', ['a', 'b2']),
    ];
    const [p] = buildPanelView(frames, options()).pipelines;
    const layer = Object.fromEntries(p.stages.map((s) => [s.name, s.layer]));
    expect(layer).toEqual({ in: 0, a: 1, b: 1, b2: 2, join: 3 });
    expect(p.edges.filter((e) => e.to === 'p/join').every((e) => e.join)).toBe(true);
    expect(new Set(p.stages.filter((s) => s.layer === 1).map((s) => s.row))).toEqual(new Set([0, 1]));
  });

  it('breaks a cycle with a back edge instead of looping', () => {
    const frames = [topology('p', 'a', ['c']), topology('p', 'b', ['a']), topology('p', 'c', ['b']), topology('p', 'src'), topology('p', 'x', ['src', 'x'])];
    const [p] = buildPanelView(frames, options()).pipelines;
    expect(p.edges.filter((e) => e.back).length).toBe(2);
    expect(p.layers).toBeGreaterThanOrEqual(3);
  });

  it('draws an upstream stage missing from the topology as an unknown node', () => {
    const [p] = buildPanelView([topology('p', 'score', ['ghost'])], options()).pipelines;
    const ghost = p.stages.find((s) => s.name === 'ghost')!;
    expect(ghost).toMatchObject({ unknown: true, health: 'unknown', layer: 0 });
    expect(p.stages.find((s) => s.name === 'score')!.layer).toBe(1);
  });

  it('keeps a stage that reports signals but has no topology series, flagged', () => {
    const s = stageOf(healthyStage('p', 'orphan'), 'p/orphan');
    expect(s).toMatchObject({ missingTopology: true, requestRate: 10 });
  });

  it('takes the worst signal as the stage health', () => {
    const frames = [topology('p', 's'), ...healthyStage('p', 's', { errors: 0.02, p99: 0.9 })];
    const s = stageOf(frames, 'p/s');
    expect(s.health).toBe('critical');
    expect(s.signals.find((x) => x.key === 'errorRatio')).toMatchObject({ state: 'warning', display: '2%' });
    expect(s.signals.find((x) => x.key === 'latencyP99')).toMatchObject({ state: 'critical', display: '900 ms' });
  });

  it('marks a stage critical when its only target is down', () => {
    const s = stageOf([topology('p', 's'), ...healthyStage('p', 's', { up: 0 })], 'p/s');
    expect(s.signals.find((x) => x.key === 'up')).toMatchObject({ state: 'critical', display: '0/1' });
    expect(s.health).toBe('critical');
  });

  it('maps the collector dataset drift verdict to the stages serving that model', () => {
    const s = stageOf([topology('p', 's'), ...healthyStage('p', 's', { drift: 0.1, drift_detected: 1 })], 'p/s');
    expect(s.signals.find((x) => x.key === 'drift')).toMatchObject({ state: 'critical', value: 0.1 });
  });

  it('adds realized accuracy against the reference to a stage\'s health when labels exist, and nothing without them', () => {
    const frames = [topology('p', 's'), ...healthyStage('p', 's'), createFrame('performance', { model: 's-model' }, 0.82)];
    const s = stageOf(frames, 'p/s');
    expect(s.signals.find((x) => x.key === 'performance')).toMatchObject({ state: 'critical', display: '82% of reference' });
    expect(s.health).toBe('critical');
    const ok = stageOf([topology('p', 's'), ...healthyStage('p', 's'), createFrame('performance', { model: 's-model' }, 0.97)], 'p/s');
    expect(ok.signals.find((x) => x.key === 'performance')?.state).toBe('ok');
    const none = buildPanelView([topology('p', 's'), ...healthyStage('p', 's')], options());
    expect(none.pipelines[0].stages[0].signals.some((x) => x.key === 'performance')).toBe(false);
    expect(none.missingQueries).toEqual([]);
  });

  it('uses the thresholds from the options', () => {
    const frames = [topology('p', 's'), ...healthyStage('p', 's', { lowconf: 0.05 })];
    const view = buildPanelView(frames, options({ lowConfidenceRatio: { warning: 0.04, critical: 0.5 } }));
    expect(view.pipelines[0].stages[0].health).toBe('warning');
  });

  it('reports partial data: known signals decide health, missing ones show no data and the query is listed', () => {
    const frames = [topology('p', 's'), createFrame('requests', { pipeline: 'p', stage: 's' }, 3),
      createFrame('errors', { pipeline: 'p', stage: 's' }, 0)];
    const view = buildPanelView(frames, options());
    const s = view.pipelines[0].stages[0];
    expect(s.health).toBe('ok');
    expect(s.signals.find((x) => x.key === 'latencyP99')).toMatchObject({ state: 'unknown', display: 'no data' });
    expect(view.missingQueries).toContain('p99');
  });

  it('shows a stage without any signal as no data', () => {
    expect(stageOf([topology('p', 's')], 'p/s').health).toBe('unknown');
  });

  it('separates several pipelines, sorted by name', () => {
    const view = buildPanelView([topology('zeta', 'a'), topology('alpha', 'a'), topology('alpha', 'b', ['a'])], options());
    expect(view.pipelines.map((p) => [p.name, p.stages.length])).toEqual([['alpha', 2], ['zeta', 1]]);
  });

  it('merges variants of a stage and sums their request rates', () => {
    const frames = [topology('p', 's', [], { model: 'm1', instance: 'a:1' }), topology('p', 's', [], { model: 'm2', instance: 'b:1' }),
      createFrame('requests', { pipeline: 'p', stage: 's' }, 4), createFrame('up', { job: 'modelwatch', instance: 'a:1' }, 1),
      createFrame('up', { job: 'modelwatch', instance: 'b:1' }, 0)];
    const s = stageOf(frames, 'p/s');
    expect(s.models).toEqual(['m1', 'm2']);
    expect(s.signals.find((x) => x.key === 'up')).toMatchObject({ state: 'warning', display: '1/2' });
  });

  it('reads the table format of instant queries (one row per series)', () => {
    const table: DataFrame = {
      refId: 'requests', length: 2,
      fields: [
        { name: 'Time', type: FieldType.time, config: {}, values: [1, 1] },
        { name: 'pipeline', type: FieldType.string, config: {}, values: ['p', 'p'] },
        { name: 'stage', type: FieldType.string, config: {}, values: ['a', 'b'] },
        { name: 'Value #requests', type: FieldType.number, config: {}, values: [1.5, 2.5] },
      ],
    };
    const view = buildPanelView([table], options());
    expect(view.pipelines[0].stages.map((s) => s.requestRate)).toEqual([1.5, 2.5]);
  });

  it('lays out hundreds of stages without two sharing a cell', () => {
    const frames: DataFrame[] = [];
    for (let i = 0; i < 400; i++) frames.push(topology('big', `s${i}`, i === 0 ? [] : [`s${Math.floor((i - 1) / 3)}`]));
    const [p] = buildPanelView(frames, options()).pipelines;
    expect(p.stages.length).toBe(400);
    const cells = new Set(p.stages.map((s) => `${s.layer}:${s.row}`));
    expect(cells.size).toBe(400);
  });

  it('reads the wide numeric shape (one frame, one number field per series)', () => {
    const wide: DataFrame = {
      refId: 'p99', length: 1,
      fields: [
        { name: 'Time', type: FieldType.time, config: {}, values: [1] },
        { name: 'Value', type: FieldType.number, config: {}, values: [0.2], labels: { pipeline: 'p', stage: 'a' } },
        { name: 'Value', type: FieldType.number, config: {}, values: [0.7], labels: { pipeline: 'p', stage: 'b' } },
      ],
    };
    const view = buildPanelView([wide], options());
    expect(view.pipelines[0].stages.map((s) => [s.name, s.health])).toEqual([['a', 'ok'], ['b', 'critical']]);
  });

  it('fills the stage link template with URL-encoded values and lets Grafana interpolate variables', () => {
    const view = buildPanelView([topology('my pipe', 's')], options({ stageLinkTemplate: '/d/x?var-ds=$datasource&p={{pipeline}}&m={{ model }}' }),
      (s) => s.replace('$datasource', 'prom'));
    expect(view.pipelines[0].stages[0].link).toBe('/d/x?var-ds=prom&p=my%20pipe&m=s-model');
  });
});

describe('buildPanelView with rollouts', () => {
  const variant = (stage: string, name: string, role: string, weight: number) => createFrame('variants', { pipeline: 'p', stage, variant: name, role }, weight);
  const variantErrors = (stage: string, name: string, ratio: number) => createFrame('variant_errors', { pipeline: 'p', stage, variant: name }, ratio);

  it('shows a stage with a canary as such and judges it by its worst variant', () => {
    const frames = [
      topology('p', 'score'), ...healthyStage('p', 'score'),
      variant('score', 'primary', 'primary', 0.95), variant('score', 'canary', 'canary', 0.05),
      variantErrors('score', 'primary', 0), variantErrors('score', 'canary', 0.4),
    ];
    const s = stageOf(frames, 'p/score');
    expect(s.rollout).toBe('canary');
    expect(s.variants).toEqual([
      { name: 'primary', role: 'primary', weight: 0.95, errorRatio: 0 },
      { name: 'canary', role: 'canary', weight: 0.05, errorRatio: 0.4 },
    ]);
    // 40% of the canary's 5% would be 2% of the stage: judged per variant, the stage is critical.
    expect(s.signals.find((x) => x.key === 'errorRatio')!.state).toBe('critical');
  });

  it('tells a shadow and a blue-green standby apart from a plain stage', () => {
    const shadow = stageOf([topology('p', 's'), ...healthyStage('p', 's'), variant('s', 'primary', 'primary', 1), variant('s', 'next', 'shadow', 1)], 'p/s');
    expect(shadow.rollout).toBe('shadow');
    const blueGreen = stageOf([topology('p', 's'), ...healthyStage('p', 's'), variant('s', 'blue', 'primary', 1), variant('s', 'green', 'standby', 0)], 'p/s');
    expect(blueGreen.rollout).toBe('blue-green');
    const plain = stageOf([topology('p', 's'), ...healthyStage('p', 's'), variant('s', 'primary', 'primary', 1)], 'p/s');
    expect(plain.rollout).toBeUndefined();
    // Sidecars without rollout series are not "partial data".
    expect(buildPanelView([topology('p', 's'), ...healthyStage('p', 's')], options()).missingQueries).toEqual([]);
  });
});

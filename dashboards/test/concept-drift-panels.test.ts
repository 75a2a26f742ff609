/**
 * The Performance dashboard's concept-drift panel and annotation, evaluated by Prometheus' own
 * engine (`promtool test rules` with promql_expr_test cases): a detector's counter series first
 * appears when it first fires, which increase() and changes() do not count.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectionMarks, detectionsInRange } from '../src/performance.js';

const COUNTER = 'modelwatch_concept_drift_detections_total{model="m"}';
const dir = mkdtempSync(join(tmpdir(), 'mw-dash-promql-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ExprCase {
  expr: string;
  evalTime: string;
  samples: { labels: string; value: number }[];
}

/** Runs the cases over 1-minute samples; returns promtool's output, throwing on any failed case. */
function promtool(series: Record<string, string>, cases: ExprCase[]): string {
  const yaml = [
    'rule_files: []',
    'evaluation_interval: 1m',
    'tests:',
    '  - interval: 1m',
    '    input_series:',
    ...Object.entries(series).flatMap(([s, values]) => [`      - series: '${s}'`, `        values: '${values}'`]),
    '    promql_expr_test:',
    ...cases.flatMap((c) => [
      `      - expr: '${c.expr}'`,
      `        eval_time: ${c.evalTime}`,
      '        exp_samples:',
      ...c.samples.flatMap((s) => [`          - labels: '${s.labels}'`, `            value: ${s.value}`]),
    ]),
  ].join('\n');
  const file = join(dir, `case-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `${yaml}\n`);
  return execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const range = (expr: string, r: string) => expr.replaceAll('$__range', r).replaceAll('$__rate_interval', r);

describe('concept-drift detections in the time range', () => {
  // ddm fired first at minute 10 (its series appears at 1); adwin existed at 0 and fired at 5 and 25;
  // page_hinkley appears at minute 10 already at its stored count of 3 (a collector restart).
  const series = {
    'modelwatch_concept_drift_detections_total{model="m",detector="ddm"}': '_x10 1x30',
    'modelwatch_concept_drift_detections_total{model="m",detector="adwin"}': '0x4 1x19 2x15',
    'modelwatch_concept_drift_detections_total{model="m",detector="page_hinkley"}': '_x10 3x30',
  };

  it('counts a detector whose series first appears when it fires, and only detections inside the range', () => {
    const out = promtool(series, [
      {
        // Range 15m at minute 30: ddm's first detection (minute 10) and page_hinkley's stored 3 are
        // older than the range; adwin's second detection (minute 25) is inside.
        expr: range(detectionsInRange(COUNTER), '15m'),
        evalTime: '30m',
        samples: [
          { labels: '{detector="adwin"}', value: 1 },
          { labels: '{detector="ddm"}', value: 0 },
          { labels: '{detector="page_hinkley"}', value: 0 },
        ],
      },
      {
        // Range 8m at minute 12: adwin's first detection (minute 5) is inside; ddm's and
        // page_hinkley's series did not exist at minute 4 and count whole.
        expr: range(detectionsInRange(COUNTER), '8m'),
        evalTime: '12m',
        samples: [
          { labels: '{detector="adwin"}', value: 1 },
          { labels: '{detector="ddm"}', value: 1 },
          { labels: '{detector="page_hinkley"}', value: 3 },
        ],
      },
    ]);
    expect(out).toMatch(/SUCCESS/);
  });

  it('would miss the first-sample detection with increase(), which the panel used before', () => {
    expect(() =>
      promtool(series, [
        {
          expr: 'sum by (detector) (increase(modelwatch_concept_drift_detections_total{model="m"}[8m]))',
          evalTime: '12m',
          samples: [
            { labels: '{detector="adwin"}', value: 1 },
            { labels: '{detector="ddm"}', value: 1 },
            { labels: '{detector="page_hinkley"}', value: 3 },
          ],
        },
      ]),
    ).toThrow(/FAILED/);
  });

  it('marks a detection where the counter rises or first appears, and nowhere else', () => {
    const marks = range(detectionMarks(COUNTER), '1m');
    const at = (t: string, samples: ExprCase['samples']) => ({ expr: marks, evalTime: t, samples });
    const out = promtool(series, [
      at('10m', [
        { labels: 'modelwatch_concept_drift_detections_total{model="m",detector="ddm"}', value: 1 },
        { labels: 'modelwatch_concept_drift_detections_total{model="m",detector="page_hinkley"}', value: 3 },
      ]),
      at('5m', [{ labels: '{model="m",detector="adwin"}', value: 1 }]),
      at('25m', [{ labels: '{model="m",detector="adwin"}', value: 1 }]),
      at('12m', []),
      at('3m', []),
    ]);
    expect(out).toMatch(/SUCCESS/);
  });
});

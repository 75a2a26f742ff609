/**
 * Cost of the Grafana panel's data → view-model step (frames → pipelines, layout, health) for panels
 * of 100, 1,000 and 5,000 stages, side by side in one run with the frame-reading step alone, so the
 * share of the layering is visible. Grafana re-runs it on every refresh. Run: `npx tsx bench/grafana-panel.ts`
 */
import type { DataFrame } from '@grafana/data';
import { samplesByRefId } from '../grafana-plugin/src/data/frames.js';
import { buildPanelView } from '../grafana-plugin/src/data/viewModel.js';
import { DEFAULT_OPTIONS } from '../grafana-plugin/src/types.js';

function frame(refId: string, labels: Record<string, string>, value: number): DataFrame {
  return {
    refId, length: 1,
    fields: [
      { name: 'Time', type: 'time' as never, config: {}, values: [0] },
      { name: 'Value', type: 'number' as never, config: {}, values: [value], labels },
    ],
  };
}

/** `stages` stages in pipelines of 50, each a tree with fan-out 3 plus a join every 7th stage. */
function frames(stages: number): DataFrame[] {
  const out: DataFrame[] = [];
  for (let i = 0; i < stages; i++) {
    const pipeline = `p${Math.floor(i / 50)}`;
    const k = i % 50;
    const upstream = k === 0 ? [] : [`s${Math.floor((k - 1) / 3)}`, ...(k % 7 === 0 && k > 7 ? [`s${k - 7}`] : [])];
    const l = { pipeline, stage: `s${k}` };
    out.push(frame('topology', { ...l, model: `m${i}`, upstream_stages: upstream.join(','), job: 'j', instance: `i${i}` }, 1));
    for (const ref of ['requests', 'errors', 'p99', 'empty', 'lowconf']) out.push(frame(ref, l, (i % 13) / 100));
    out.push(frame('up', { job: 'j', instance: `i${i}` }, 1), frame('drift', { model: `m${i}` }, 0.1));
  }
  return out;
}

/** Best per-call time over several batches: on a shared machine the minimum is the least disturbed figure. */
function time(fn: () => unknown, totalMs = 600): number {
  let best = Infinity;
  const end = performance.now() + totalMs;
  while (performance.now() < end) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < totalMs / 10) { fn(); n++; }
    best = Math.min(best, (performance.now() - start) / n);
  }
  return best;
}

console.log('stages  frames  read frames (ms)  full view model (ms)  ratio');
for (const stages of [100, 1_000, 5_000]) {
  const input = frames(stages);
  time(() => buildPanelView(input, DEFAULT_OPTIONS), 200); // warm-up: JIT and GC settle before measuring
  const read = time(() => samplesByRefId(input));
  const full = time(() => buildPanelView(input, DEFAULT_OPTIONS));
  console.log(`${String(stages).padStart(6)}  ${String(input.length).padStart(6)}  ${read.toFixed(3).padStart(16)}  ${full.toFixed(3).padStart(20)}  ${(full / read).toFixed(1).padStart(5)}`);
}

/**
 * Review marking cost on the request path: `ReviewMarker.answered()` for an answer it lets through
 * (confidence above the threshold, inputs in range) and for one it marks (header + queued by
 * reference), side by side with an empty call, for 1-row and 32-row answers with 20 features and
 * 5 classes. Run: `npx tsc -b && npx tsx bench/sidecar/review-marker.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASELINE_SCHEMA, type BaselineProfile } from '../../core/src/index.js';
import { PrivacyPolicy } from '../../sidecar/src/predictions/privacy.js';
import { RecordShipper } from '../../sidecar/src/predictions/record-shipper.js';
import type { InputBatch, OutputBatch } from '../../sidecar/src/protocols/types.js';
import { ReviewMarker } from '../../sidecar/src/review/review-marker.js';

const ITER = 200_000;
const ROUNDS = 9;
const FEATURES = 20;
const identity = { model: 'm', version: '1', variant: 'primary', stage: 's', pipeline: 'p' };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function batch(rows: number, confident: boolean): { inputs: InputBatch; outputs: OutputBatch } {
  const inputs: InputBatch = { rows, columns: new Map(Array.from({ length: FEATURES }, (_, j) => [`f${j}`, new Float32Array(rows).fill(j * 0.5)])) };
  const probs = new Float32Array(rows * 5);
  for (let r = 0; r < rows; r++) probs.set(confident ? [0.96, 0.01, 0.01, 0.01, 0.01] : [0.4, 0.3, 0.1, 0.1, 0.1], r * 5);
  return { inputs, outputs: { rows, outputs: new Map([['probabilities', { kind: 'probabilities', rows, classes: 5, data: probs }]]) } };
}

const baseline: BaselineProfile = {
  schema: BASELINE_SCHEMA,
  model: 'm',
  createdAt: '2026-01-01T00:00:00Z',
  rows: 100,
  features: Array.from({ length: FEATURES }, (_, j) => ({
    name: `f${j}`, type: 'numeric' as const, count: 100, missing: 0, min: -100, max: 100, mean: 0, std: 1, bins: { edges: [-100, 0, 100], counts: [0, 50, 50, 0] },
  })),
  outputs: [],
  chunks: [],
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-review-'));
  const shipper = await RecordShipper.open({ collectorUrl: 'http://127.0.0.1:9', model: 'm', bufferDir: dir, resource: 'review' });
  const marker = new ReviewMarker({ below: 0.8, outOfRange: true, maxPending: 10_000_000 }, identity, new PrivacyPolicy(), undefined, shipper, 3_600_000);
  marker.setBaseline(baseline);
  const confidenceOnly = new ReviewMarker({ below: 0.8, outOfRange: false, maxPending: 10_000_000 }, identity, new PrivacyPolicy(), undefined, shipper, 3_600_000);
  for (const rows of [1, 32]) {
    const pass = batch(rows, true);
    const held = batch(rows, false);
    const candidates: Record<string, (ex: { traceHeaders: Record<string, string> }) => unknown> = {
      'empty call (floor)': (ex) => ex,
      'confidence rule, let through': (ex) => confidenceOnly.answered(ex, 'id', pass.inputs, pass.outputs),
      'confidence + range, let through': (ex) => marker.answered(ex, 'id', pass.inputs, pass.outputs),
      'confidence + range, marked': (ex) => marker.answered(ex, 'id', held.inputs, held.outputs),
    };
    const results: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Alternated within each round so a noisy neighbour hits every candidate alike.
      for (const [name, call] of Object.entries(candidates)) {
        const exchanges = Array.from({ length: 1024 }, () => ({ traceHeaders: {} as Record<string, string> }));
        let ns = 0n;
        for (let done = 0; done < ITER; done += 1000) {
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < 1000; i++) call(exchanges[(done + i) & 1023]);
          ns += process.hrtime.bigint() - t0;
          marker.drain();
          confidenceOnly.drain();
        }
        results[name].push(Number(ns) / 1e3 / ITER);
      }
    }
    console.log(`request-path cost per answer of ${rows} row(s), ${FEATURES} features (µs, median of ${ROUNDS} rounds of ${ITER}):`);
    const floor = median(results['empty call (floor)']);
    for (const [name, xs] of Object.entries(results)) console.log(`  ${name.padEnd(34)} ${median(xs).toFixed(3)} µs  (${(median(xs) / Math.max(floor, 1e-3)).toFixed(1)}× the empty call)`);
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();

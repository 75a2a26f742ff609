/**
 * Prediction log cost on the request path: `PredictionLog.answered()` (id, header, sampling,
 * queueing by reference) at 100% ids+outputs, side by side with ids only (no recording) and an
 * empty call; plus the off-path cost of building a privacy-filtered record (what the flush pays
 * per answer, on the same event loop but outside any request). Run: `npx tsx bench/sidecar/prediction-log.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newPredictionId } from '../../core/src/index.js';
import { PredictionLog, type AnsweringExchange } from '../../sidecar/src/predictions/prediction-log.js';
import { PrivacyPolicy } from '../../sidecar/src/predictions/privacy.js';
import { buildRecords } from '../../sidecar/src/predictions/record-builder.js';
import { RecordShipper } from '../../sidecar/src/predictions/record-shipper.js';
import type { InputBatch, OutputBatch } from '../../sidecar/src/protocols/types.js';

const ITER = 200_000;
const ROUNDS = 9;
const identity = { model: 'm', version: '1', variant: 'primary', stage: 's', pipeline: 'p' };
const inputs: InputBatch = { rows: 1, columns: new Map(Array.from({ length: 20 }, (_, j) => [`f${j}`, new Float32Array([j * 1.5])])) };
const outputs: OutputBatch = { rows: 1, outputs: new Map([['probabilities', { kind: 'probabilities', rows: 1, classes: 5, data: new Float32Array([0.1, 0.2, 0.3, 0.15, 0.25]) }]]) };
const headers = {};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-plog-'));
  const shipper = await RecordShipper.open({ collectorUrl: 'http://127.0.0.1:9', model: 'm', bufferDir: dir });
  const options = (sampleInputs: number) => ({
    identity,
    sampleOutputs: 1,
    sampleInputs,
    maxPending: 10_000_000,
    batchSize: 10_000_000,
    flushIntervalMs: 3_600_000,
    privacy: new PrivacyPolicy(),
  });
  type Candidate = { call: (ex: AnsweringExchange) => unknown; drain: () => void };
  const logged = (log: PredictionLog): Candidate => ({ call: (ex) => log.answered(ex, headers, inputs, outputs), drain: () => log.drain() });
  const candidates: Record<string, () => Candidate> = {
    'empty call (floor)': () => ({ call: (ex) => ex, drain: () => {} }),
    'ids only (no recording)': () => logged(new PredictionLog(options(0), undefined)),
    'ids + outputs 100%': () => logged(new PredictionLog(options(0), shipper)),
    'ids + outputs + inputs 100%': () => logged(new PredictionLog(options(1), shipper)),
  };
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Alternated within each round so a noisy neighbour hits every candidate alike.
    for (const [name, make] of Object.entries(candidates)) {
      const { call, drain } = make();
      const exchanges = Array.from({ length: 1024 }, () => ({ traceHeaders: {} as Record<string, string> }));
      // Timed in chunks of 1,000 answers, drained between chunks as the flush (batchSize 1,000) does,
      // so the queue stays at its production size.
      let ns = 0n;
      for (let done = 0; done < ITER; done += 1000) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < 1000; i++) call(exchanges[(done + i) & 1023]);
        ns += process.hrtime.bigint() - t0;
        drain();
      }
      results[name].push(Number(ns) / 1e3 / ITER);
    }
  }
  console.log('request-path cost per answer (µs, median of 9 rounds of 200,000):');
  const floor = median(results['empty call (floor)']);
  for (const [name, xs] of Object.entries(results)) console.log(`  ${name.padEnd(30)} ${median(xs).toFixed(3)} µs  (${(median(xs) / Math.max(floor, 1e-3)).toFixed(1)}× the empty call)`);

  const privacy = new PrivacyPolicy({ fields: { f0: 'drop', f1: { bucket: [0, 1, 2] } } });
  const pending = Array.from({ length: 10_000 }, () => ({ id: newPredictionId(), timeMs: Date.now(), inputs, outputs, keepInputs: true }));
  const build: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (const p of pending) buildRecords(p, identity, privacy, ['a', 'b', 'c', 'd', 'e']);
    build.push(Number(process.hrtime.bigint() - t0) / 1e3 / pending.length);
  }
  const json: number[] = [];
  const records = pending.flatMap((p) => buildRecords(p, identity, privacy, undefined));
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    JSON.stringify({ records });
    json.push(Number(process.hrtime.bigint() - t0) / 1e3 / records.length);
  }
  console.log(`off-path, per record with 20 inputs: build + privacy ${median(build).toFixed(2)} µs, JSON for the batch ${median(json).toFixed(2)} µs`);
  rmSync(dir, { recursive: true, force: true });
}

await main();

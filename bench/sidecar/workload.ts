import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINE_SCHEMA, type BaselineProfile } from '@modelwatch/core';
import { buildDenseModel } from '../../examples/src/onnx-builder.js';

/** The benchmark workload: 20 numeric features, 5 classes. */
export const FEATURES = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}`);
export const CLASSES = ['a', 'b', 'c', 'd', 'e'];

/** Deterministic feature values in [0, 10). */
export function row(seed: number): number[] {
  return FEATURES.map((_, i) => ((seed * 31 + i * 17) % 100) / 10);
}

export function requestBody(rows: number): string {
  const data = Array.from({ length: rows }, (_, r) => row(r)).flat();
  return JSON.stringify({ inputs: [{ name: 'input', shape: [rows, FEATURES.length], datatype: 'FP32', data }] });
}

/** A baseline with 10 equal-width bins per feature over [0, 10]. */
export function baselineFor(model: string): BaselineProfile {
  const edges = Array.from({ length: 11 }, (_, i) => i);
  return {
    schema: BASELINE_SCHEMA, model, version: 'bench', createdAt: new Date(0).toISOString(), rows: 1000,
    features: FEATURES.map((name) => ({
      name, type: 'numeric', count: 1000, missing: 0, min: 0, max: 10, mean: 5, std: 2.9,
      bins: { edges, counts: [0, ...edges.slice(1).map(() => 100), 0] },
    })),
    outputs: [], chunks: [],
  };
}

/** Writes the workload's 20→5 softmax ONNX model and its baseline into `dir`, for every bench side. */
export function writeBenchFiles(dir: string): { modelPath: string; baselinePath: string } {
  const modelPath = join(dir, 'bench.onnx');
  writeFileSync(modelPath, buildDenseModel({
    inputName: 'input', featureNames: FEATURES, outputName: 'probabilities', classLabels: CLASSES,
    weights: FEATURES.map((_, i) => CLASSES.map((__, j) => ((i * 7 + j * 3) % 11) / 10 - 0.5)), bias: CLASSES.map(() => 0),
  }));
  const baselinePath = join(dir, 'baseline.json');
  writeFileSync(baselinePath, JSON.stringify(baselineFor('bench')));
  return { modelPath, baselinePath };
}

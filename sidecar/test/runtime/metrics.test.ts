import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSidecar, type RunningSidecar } from '@modelwatch/sidecar';
import { post, sample } from './fixtures/http.js';
import { createBaseline, inferBody, tempDir, writeClassifier, writeJson } from './fixtures/model.js';


async function scrape(sc: RunningSidecar): Promise<string> {
  return (await fetch(`${sc.url}/metrics`)).text();
}

/** promtool reads the exposition on stdin; exit 0 means no errors and no lint problems. */
async function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
    child.stdin!.end(text);
  });
}

describe('metrics with a baseline profile file', () => {
  const tmp = tempDir();
  let sc: RunningSidecar;

  beforeAll(async () => {
    const model = writeClassifier(tmp.dir);
    const baseline = writeJson(tmp.dir, 'baseline.json', createBaseline());
    sc = await startSidecar({ model, name: 'credit', port: 0, pipeline: 'loans', stage: 'scoring', upstreamStages: 'features,enrich', baseline, limits: { lowConfidenceThreshold: 0.9 } }, { log: () => {} });
    // ages 10 (below min 18), 25, 40, 90 (above max 70); income > age → "yes"
    const rows = [[10, 20, 0.1], [25, 0, 0.2], [40, 0, 0.7], [90, 0, 0.9]];
    expect((await post(`${sc.url}/v2/models/credit/infer`, inferBody(rows))).status).toBe(200);
  });
  afterAll(async () => {
    await sc.close();
    tmp.cleanup();
  });

  it('uses the baseline bin edges as the buckets of each feature histogram', async () => {
    const text = await scrape(sc);
    const age = (le: string) => sample(text, 'modelwatch_input_feature_value_bucket', { feature: 'age', le });
    expect([age('18'), age('30'), age('50'), age('70'), age('+Inf')]).toEqual([1, 2, 3, 3, 4]);
    const score = (le: string) => sample(text, 'modelwatch_input_feature_value_bucket', { feature: 'score', le });
    expect([score('0'), score('0.5'), score('1'), score('+Inf')]).toEqual([0, 2, 4, 4]);
    expect(sample(text, 'modelwatch_input_feature_value_sum', { feature: 'age' })).toBe(165);
  });

  it('counts values outside the baseline range by side', async () => {
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_input_out_of_range_total', { feature: 'age', side: 'below' })).toBe(1);
    expect(sample(text, 'modelwatch_input_out_of_range_total', { feature: 'age', side: 'above' })).toBe(1);
    expect(sample(text, 'modelwatch_input_out_of_range_total', { feature: 'income', side: 'above' })).toBe(1);
  });

  it('signals the loaded baseline and the pipeline topology', async () => {
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_baseline_loaded', { baseline_version: 'v7' })).toBe(1);
    expect(sample(text, 'modelwatch_model_info', { pipeline: 'loans', stage: 'scoring', upstream_stages: 'features,enrich', mode: 'embedded' })).toBe(1);
  });

  it('counts classes by label, confidence and low-confidence predictions', async () => {
    const text = await scrape(sc);
    const cls = (c: string) => sample(text, 'modelwatch_output_class_total', { output: 'probabilities', class: c });
    expect([cls('yes'), cls('no'), cls('__other__')]).toEqual([1, 3, 0]);
    expect(sample(text, 'modelwatch_predictions_total', { output: 'probabilities' })).toBe(4);
    expect(sample(text, 'modelwatch_output_confidence_count', { output: 'probabilities' })).toBe(4);
    // softmax of logit gaps 10, 25, 40, 90 are all > 0.9999: none under 0.9
    expect(sample(text, 'modelwatch_output_low_confidence_total', { output: 'probabilities' })).toBe(0);
    expect(sample(text, 'modelwatch_input_rows_total')).toBe(4);
    expect(sample(text, 'modelwatch_requests_total', { outcome: 'success', status_class: '2xx' })).toBe(1);
  });

  it('passes promtool check metrics after traffic, errors included', async () => {
    await post(`${sc.url}/v2/models/credit/infer`, '{bad');
    await post(`${sc.url}/v2/models/nope/infer`, inferBody([[1, 1, 1]]));
    const { code, output } = await promtoolCheck(await scrape(sc));
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});

describe('metrics without a baseline', () => {
  const tmp = tempDir();
  let sc: RunningSidecar;

  beforeAll(async () => {
    sc = await startSidecar({ model: writeClassifier(tmp.dir), name: 'credit', port: 0, limits: { maxMonitoredFeatures: 2, lowConfidenceThreshold: 0.99 } }, { log: () => {} });
    await post(`${sc.url}/v2/models/credit/infer`, inferBody([[1, 1.5, 0.3]]));
  });
  afterAll(async () => {
    await sc.close();
    tmp.cleanup();
  });

  it('reports baseline_loaded 0 and uses the default buckets', async () => {
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_baseline_loaded', { baseline_version: 'none' })).toBe(0);
    expect(sample(text, 'modelwatch_input_feature_value_bucket', { feature: 'age', le: '1' })).toBe(1);
    expect(sample(text, 'modelwatch_input_feature_value_bucket', { feature: 'age', le: '0.5' })).toBe(0);
  });

  it('monitors at most the configured number of features and counts the rest as ignored', async () => {
    const text = await scrape(sc);
    expect(sample(text, 'modelwatch_input_feature_value_count', { feature: 'age' })).toBe(1);
    expect(sample(text, 'modelwatch_input_feature_value_count', { feature: 'income' })).toBe(1);
    expect(sample(text, 'modelwatch_input_feature_value_count', { feature: 'score' })).toBeUndefined();
    expect(sample(text, 'modelwatch_input_ignored_features_total')).toBe(1);
  });

  it('counts a prediction under the threshold as low-confidence', async () => {
    const text = await scrape(sc);
    // logit gap 0.5 → confidence 0.62 < 0.99
    expect(sample(text, 'modelwatch_output_low_confidence_total', { output: 'probabilities' })).toBe(1);
  });

  it('passes promtool check metrics', async () => {
    const { code, output } = await promtoolCheck(await scrape(sc));
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});


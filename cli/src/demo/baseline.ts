import { ProfileBuilder, realizedPerformance, type BaselineProfile } from '@modelwatch/core';
import * as ort from 'onnxruntime-node';
import { FEATURE_NAMES, type WeatherRow } from '@modelwatch/examples/seattle-weather';

/**
 * The training baseline of the example model: its four features and the class it predicts on
 * the training days (the output distribution drift is measured against). Two passes, so the
 * profile has calibration chunks and the collector calibrates thresholds from them.
 */
export async function buildBaseline(modelPath: string, model: string, days: WeatherRow[], labels: readonly string[]): Promise<BaselineProfile> {
  const session = await ort.InferenceSession.create(modelPath);
  try {
    const input = new ort.Tensor('float32', Float32Array.from(days.flatMap((d) => d.features)), [days.length, FEATURE_NAMES.length]);
    const out = await session.run({ [session.inputNames[0]]: input });
    const probs = out[session.outputNames[0]].data as Float32Array;
    const classes = probs.length / days.length;
    if (labels.length !== classes) throw new Error(`the model has ${classes} classes, ${labels.length} labels were given`);
    const rows = days.map((d, i) => {
      let best = 0;
      for (let k = 1; k < classes; k++) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
      return { ...Object.fromEntries(FEATURE_NAMES.map((f, j) => [f, d.features[j]])), probabilities: labels[best] };
    });
    const builder = new ProfileBuilder({
      model,
      features: FEATURE_NAMES.map((name) => ({ name, type: 'numeric' as const })),
      outputs: [{ name: 'probabilities', role: 'prediction', type: 'categorical' }],
      bins: 10,
      metadata: { source: 'vega-datasets seattle-weather.csv, 2012-2013' },
    });
    for (const r of rows) builder.add(r);
    builder.startBinning();
    for (const r of rows) builder.add(r);
    const profile = builder.finish();
    // The reference realized accuracy is compared with: the model's answers against the days' real weather.
    const result = realizedPerformance(rows.map((r, i) => ({ prediction: r.probabilities, label: days[i].label })), { classes: labels });
    if (result) profile.performance = { label: 'weather', prediction: 'probabilities', result };
    return profile;
  } finally {
    await session.release();
  }
}

import { PanelPlugin } from '@grafana/data';
import { PipelineHealthPanel } from './components/PipelineHealthPanel.js';
import { DEFAULT_OPTIONS, type PanelOptions, type SignalThresholds } from './types.js';

type ThresholdPath = 'errorRatio' | 'latencyP99' | 'emptyOutputRatio' | 'lowConfidenceRatio' | 'driftedFeaturesRatio' | 'accuracyShortfall';

const SIGNALS: Array<{ path: ThresholdPath; category: string; unit: string; description: string }> = [
  { path: 'errorRatio', category: 'Error ratio', unit: 'ratio 0–1', description: 'Share of requests failing server-side.' },
  { path: 'latencyP99', category: 'Latency p99', unit: 'seconds', description: 'p99 request latency; the critical value is the SLO.' },
  { path: 'emptyOutputRatio', category: 'Empty outputs', unit: 'ratio 0–1', description: 'Share of null/empty model outputs.' },
  { path: 'lowConfidenceRatio', category: 'Low confidence', unit: 'ratio 0–1', description: 'Share of predictions under the confidence threshold.' },
  { path: 'driftedFeaturesRatio', category: 'Drift', unit: 'ratio 0–1', description: 'Share of drifted input features (dataset drift detected by the collector is always critical).' },
  { path: 'accuracyShortfall', category: 'Realized performance', unit: 'ratio 0–1', description: 'How far realized accuracy (from ground-truth labels) falls short of the baseline\'s hold-out accuracy; 0.05 = at 95% of it.' },
];

export const plugin = new PanelPlugin<PanelOptions>(PipelineHealthPanel).setPanelOptions((builder) => {
  for (const s of SIGNALS) {
    const defaults: SignalThresholds = DEFAULT_OPTIONS[s.path];
    for (const level of ['warning', 'critical'] as const) {
      builder.addNumberInput({
        path: `${s.path}.${level}`,
        name: `${level === 'warning' ? 'Warning' : 'Critical'} at (${s.unit})`,
        description: s.description,
        category: [s.category],
        defaultValue: defaults[level],
        settings: { min: 0 },
      });
    }
  }
  builder
    .addTextInput({
      path: 'stageLinkTemplate',
      name: 'Stage dashboard link',
      description: '{{pipeline}}, {{stage}} and {{model}} are replaced by the stage; dashboard variables are interpolated.',
      category: ['Links'],
      defaultValue: DEFAULT_OPTIONS.stageLinkTemplate,
    })
    .addNumberInput({
      path: 'compactAbove',
      name: 'Compact layout above (stages)',
      category: ['Layout'],
      defaultValue: DEFAULT_OPTIONS.compactAbove,
      settings: { min: 1, integer: true },
    });
  return builder;
});

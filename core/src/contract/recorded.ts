import { Label, MODEL_IDENTITY_LABELS } from './labels.js';
import { SidecarInput, SidecarOutput, seriesNames, type MetricDescriptor } from './metrics.js';

/**
 * Window series recorded across replicas. A fleet of N replicas exposes N copies of every bucket
 * series; a query over the raw series costs N × features × bins per window, so at a few hundred
 * replicas the collector's window queries time out. The shipped recording rules
 * (alert-rules/src/rules/windows.ts) aggregate the replicas away once per rule interval, and the
 * collector (`--windows-from recorded`) sums the recorded increases over its window: its query cost
 * no longer depends on the replica count.
 *
 * Reset-safe by construction: each replica's counter is `increase()`d first (which handles a
 * restart's counter reset per series) and only then summed. Summing first and taking the increase
 * of the sum would read a restart or a scale-down as a reset of the total and add the whole total
 * again. The collector `sum_over_time`s the recorded 1-interval increases over its window.
 *
 * Names follow Prometheus' `level:metric:operations` convention; the level says what is kept.
 */
export interface RecordedWindowSeries {
  /** Recorded series name. */
  readonly record: string;
  /** The raw series the rule reads (a histogram's `_bucket` or a counter). */
  readonly source: string;
  /** Labels kept: the model identity plus what the collector groups a window by. */
  readonly by: readonly string[];
}

/** Rule interval and `increase()` range of the window rules; they must be equal. */
export const RECORDED_WINDOW_INTERVAL = '1m';

/** `le` is not a contract label key (it belongs to every histogram), kept as a literal here. */
export const BUCKET_LABEL = 'le';

function recorded(m: MetricDescriptor, level: string, keep: readonly string[]): RecordedWindowSeries {
  const source = m.type === 'histogram' ? seriesNames(m)[0] : m.name;
  return {
    record: `${level}:${source}:increase${RECORDED_WINDOW_INTERVAL}`,
    source,
    by: [...MODEL_IDENTITY_LABELS, ...keep],
  };
}

/**
 * The series the collector reads a live window from, one per raw series it queries. Labels other
 * than these (instance, pod, job, any relabelled target label) are aggregated away, so the
 * recorded series count is independent of how many replicas serve a model.
 */
export const RecordedWindows = {
  featureBuckets: recorded(SidecarInput.featureValue, 'model_feature_le', [Label.feature, BUCKET_LABEL]),
  categories: recorded(SidecarInput.categories, 'model_feature_category', [Label.feature, Label.category]),
  invalidValues: recorded(SidecarInput.invalidValues, 'model_feature', [Label.feature]),
  predictionBuckets: recorded(SidecarOutput.predictionValue, 'model_output_le', [Label.output, BUCKET_LABEL]),
  confidenceBuckets: recorded(SidecarOutput.confidence, 'model_output_le', [Label.output, BUCKET_LABEL]),
  classes: recorded(SidecarOutput.classes, 'model_output_class', [Label.output, Label.class]),
  empty: recorded(SidecarOutput.empty, 'model_output', [Label.output]),
} as const satisfies Record<string, RecordedWindowSeries>;

export const ALL_RECORDED_WINDOWS: readonly RecordedWindowSeries[] = Object.values(RecordedWindows);

import type { WeatherRow } from '@modelwatch/examples/seattle-weather';

/**
 * Ground truth for the replay: each answered day's real weather is sent back to the collector by
 * prediction id after a delay (on the compressed clock, "the next day"), the way a labelling job
 * would. Bounded: at most `max` labels wait; older ones are dropped first.
 */
export interface LabelFeeder {
  /** Remembers the answer's prediction id and the days it covered (a batch: ids `<id>:<row>`). */
  answered(days: readonly WeatherRow[], predictionId: string | null): void;
  stop(): Promise<void>;
}

export function startLabelFeeder(o: { collectorUrl: string; model: string; delayMs: number; max?: number }): LabelFeeder {
  const max = o.max ?? 50_000;
  const waiting: { due: number; predictionId: string; label: string }[] = [];
  let sending: Promise<void> = Promise.resolve();
  const send = async () => {
    const now = Date.now();
    let n = 0;
    while (n < waiting.length && waiting[n].due <= now && n < 10_000) n++;
    if (n === 0) return;
    const items = waiting.splice(0, n).map((w) => ({ predictionId: w.predictionId, label: w.label }));
    try {
      await fetch(`${o.collectorUrl}/api/v1/models/${o.model}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      }).then((r) => r.arrayBuffer());
    } catch {
      // The collector is stopping or briefly away: these labels are lost, as a real job's would be.
    }
  };
  const timer = setInterval(() => {
    sending = sending.then(send);
  }, 1000);
  timer.unref();
  return {
    answered(days, predictionId) {
      if (!predictionId) return;
      const due = Date.now() + o.delayMs;
      days.forEach((d, i) => waiting.push({ due, predictionId: days.length === 1 ? predictionId : `${predictionId}:${i}`, label: d.label }));
      if (waiting.length > max) waiting.splice(0, waiting.length - max);
    },
    async stop() {
      clearInterval(timer);
      await sending;
    },
  };
}

interface PerformanceBody {
  reports?: { window: string; variants: { variant: string; labelCoverage?: number; performance?: { task: string; accuracy?: number; n: number } }[]; reference?: { accuracy?: number } }[];
}

interface ConceptBody {
  detectors?: { detector: string; detections: number }[];
}

/** One status fragment: realized accuracy of the window against the reference, coverage, detectors that fired. */
export async function performanceSummary(collectorUrl: string, model: string, window: string): Promise<string> {
  try {
    const [perf, concept] = (await Promise.all([
      fetch(`${collectorUrl}/api/v1/models/${model}/performance`).then((r) => r.json()),
      fetch(`${collectorUrl}/api/v1/models/${model}/concept-drift`).then((r) => r.json()),
    ])) as [PerformanceBody, ConceptBody];
    const report = perf.reports?.find((r) => r.window === window);
    const v = report?.variants.find((x) => x.performance?.task === 'classification');
    if (!report || !v?.performance) return 'realized accuracy: waiting for labels';
    const ref = report.reference?.accuracy;
    const fired = (concept.detectors ?? []).filter((d) => d.detections > 0).map((d) => `${d.detector}×${d.detections}`);
    return (
      `realized accuracy ${window} ${(v.performance.accuracy! * 100).toFixed(1)}%` +
      (ref !== undefined ? ` (reference ${(ref * 100).toFixed(1)}%)` : '') +
      `, label coverage ${((v.labelCoverage ?? 0) * 100).toFixed(0)}%` +
      `, concept drift: ${fired.length ? fired.join(' ') : 'none'}`
    );
  } catch {
    return 'realized accuracy: collector not answering';
  }
}

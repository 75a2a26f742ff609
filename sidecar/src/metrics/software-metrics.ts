import { Label, SidecarInput, SidecarSoftware, type MetricDescriptor, type OutcomeValue } from '@modelwatch/core';
import { header } from './exposition.js';
import { HistogramSeries } from './histogram-series.js';

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SIZE_BUCKETS = [64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

interface CounterSeries {
  labels: string;
  value: number;
}

/**
 * The per-request software metrics, kept as plain numbers and typed arrays. prom-client's
 * `labels(...)` children still hash their label object on every call (~2-5 µs each, measured in
 * bench/sidecar); this hot path does an array increment instead and renders at scrape time.
 */
export class SoftwareMetrics {
  inFlight = 0;
  rows = 0;
  readonly inference: HistogramSeries;
  readonly requestSize: HistogramSeries;
  readonly responseSize: HistogramSeries;
  readonly batchRows: HistogramSeries;
  /** Request counters in the order they were first counted (the exposition's order); bounded: 4 outcomes × 6 classes. */
  private readonly requests: CounterSeries[] = [];
  /** Per outcome: its duration histogram and its counters by status class index (the per-call look-up). */
  private readonly byOutcome = new Map<OutcomeValue, { classes: (CounterSeries | undefined)[]; duration: HistogramSeries }>();

  constructor(private readonly id: string) {
    this.inference = new HistogramSeries(DURATION_BUCKETS);
    this.requestSize = new HistogramSeries(SIZE_BUCKETS);
    this.responseSize = new HistogramSeries(SIZE_BUCKETS);
    this.batchRows = new HistogramSeries(BATCH_BUCKETS);
  }

  finished(outcome: OutcomeValue, status: number, seconds: number, requestBytes: number, responseBytes: number): void {
    this.inFlight--;
    // Status class 1xx..5xx as 1..5, anything else 0 ("other"): an index, no string per call.
    const cls = status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
    let byOutcome = this.byOutcome.get(outcome);
    if (byOutcome === undefined) {
      byOutcome = { classes: [undefined, undefined, undefined, undefined, undefined, undefined], duration: new HistogramSeries(DURATION_BUCKETS) };
      this.byOutcome.set(outcome, byOutcome);
    }
    let c = byOutcome.classes[cls];
    if (c === undefined) {
      const statusClass = cls === 0 ? 'other' : `${cls}xx`;
      // First call with this outcome and class: the series is created (and rendered in this order).
      c = { labels: `${this.id},${Label.outcome}="${outcome}",${Label.statusClass}="${statusClass}"`, value: 0 };
      this.requests.push(c);
      byOutcome.classes[cls] = c;
    }
    c.value++;
    byOutcome.duration.observe(seconds);
    this.requestSize.observe(requestBytes);
    this.responseSize.observe(responseBytes);
  }

  render(out: string[]): void {
    const hist = (m: MetricDescriptor, series: [string, HistogramSeries][]) => {
      out.push(header(m.name, 'histogram', m.help));
      for (const [labels, s] of series) s.render(m.name, labels, out);
    };
    const S = SidecarSoftware;
    hist(S.requestDuration, [...this.byOutcome].map(([o, s]) => [`${this.id},${Label.outcome}="${o}"`, s.duration]));
    hist(S.inferenceDuration, [[this.id, this.inference]]);
    hist(S.requestSize, [[this.id, this.requestSize]]);
    hist(S.responseSize, [[this.id, this.responseSize]]);
    hist(SidecarInput.batchSize, [[this.id, this.batchRows]]);
    out.push(header(S.requests.name, 'counter', S.requests.help));
    for (const c of this.requests) out.push(`${S.requests.name}{${c.labels}} ${c.value}\n`);
    out.push(header(S.inFlight.name, 'gauge', S.inFlight.help), `${S.inFlight.name}{${this.id}} ${this.inFlight}\n`);
    out.push(header(SidecarInput.rows.name, 'counter', SidecarInput.rows.help), `${SidecarInput.rows.name}{${this.id}} ${this.rows}\n`);
  }
}

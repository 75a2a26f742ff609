import { config } from '../config.js';
import { alert, type RuleGroup } from '../rule.js';

const s = config.software;
const budget = +(1 - s.latencySloTarget).toFixed(6);
const BURN_WINDOWS = ['5m', '30m', '1h', '6h'] as const;
const SLOW = (w: string) => `model_stage:modelwatch_request_latency_slo_errors:ratio_rate${w}`;

/** Share of requests slower than the SLO threshold, per model and stage, over one window. */
function latencySloErrors(window: string) {
  const count = `sum by (model, stage) (rate(modelwatch_request_duration_seconds_count[${window}]))`;
  const fast = `sum by (model, stage) (rate(modelwatch_request_duration_seconds_bucket{le="${s.latencyThresholdSeconds}"}[${window}]))`;
  return { record: SLOW(window), expr: `1 - (${fast} / ${count})` };
}

const upstreamReasons = 'upstream_refused|upstream_timeout|upstream_status';

export const softwareRecording: RuleGroup = {
  name: 'modelwatch-software.rules',
  rules: [
    ...BURN_WINDOWS.map(latencySloErrors),
    {
      record: 'model_stage:modelwatch_requests:rate5m',
      expr: 'sum by (model, stage) (rate(modelwatch_requests_total[5m]))',
    },
    {
      record: 'model_stage:modelwatch_request_failures:ratio_rate5m',
      expr:
        'sum by (model, stage) (rate(modelwatch_requests_total{outcome=~"upstream_error|internal_error"}[5m]))' +
        ' / sum by (model, stage) (rate(modelwatch_requests_total[5m]))',
    },
    {
      record: 'model_stage:modelwatch_upstream_failures:ratio_rate5m',
      expr:
        `sum by (model, stage) (rate(modelwatch_request_errors_total{reason=~"${upstreamReasons}"}[5m]))` +
        ' / sum by (model, stage) (rate(modelwatch_requests_total[5m]))',
    },
  ],
};

export const softwareAlerts: RuleGroup = {
  name: 'modelwatch-software.alerts',
  rules: [
    alert({
      name: 'ModelwatchLatencyBudgetFastBurn',
      expr: `${SLOW('1h')} > (${s.fastBurnRate} * ${budget}) and ${SLOW('5m')} > (${s.fastBurnRate} * ${budget})`,
      for: '2m',
      severity: 'critical',
      summary: 'Latency SLO error budget is burning fast.',
      description:
        `{{ $labels.model }} (stage {{ $labels.stage }}): {{ $value | humanizePercentage }} of requests took longer than ${s.latencyThresholdSeconds}s over the last hour; ` +
        `at this rate the 30-day budget of the ${s.latencySloTarget * 100}% SLO is gone in about two days.`,
    }),
    alert({
      name: 'ModelwatchLatencyBudgetSlowBurn',
      expr: `${SLOW('6h')} > (${s.slowBurnRate} * ${budget}) and ${SLOW('30m')} > (${s.slowBurnRate} * ${budget})`,
      for: '15m',
      severity: 'warning',
      summary: 'Latency SLO error budget is burning.',
      description:
        `{{ $labels.model }} (stage {{ $labels.stage }}): {{ $value | humanizePercentage }} of requests took longer than ${s.latencyThresholdSeconds}s over the last 6 hours, ` +
        `${s.slowBurnRate} times the rate the ${s.latencySloTarget * 100}% SLO allows.`,
    }),
    alert({
      name: 'ModelwatchHighErrorRatio',
      expr: `model_stage:modelwatch_request_failures:ratio_rate5m > ${s.errorRatio}`,
      for: s.errorRatioFor,
      severity: 'warning',
      summary: 'Inference requests are failing.',
      description: `{{ $labels.model }} (stage {{ $labels.stage }}): {{ $value | humanizePercentage }} of requests failed with an upstream or internal error over 5 minutes (threshold ${s.errorRatio * 100}%).`,
    }),
    alert({
      name: 'ModelwatchSidecarDown',
      expr: `up{${config.sidecarSelector}} == 0`,
      for: s.downFor,
      severity: 'critical',
      summary: 'A modelwatch sidecar cannot be scraped.',
      description: 'Prometheus cannot scrape the sidecar {{ $labels.instance }} (job {{ $labels.job }}): its model is unmonitored and, if clients go through it, unreachable.',
    }),
    alert({
      name: 'ModelwatchCollectorDown',
      expr: `up{${config.collectorSelector}} == 0`,
      for: s.downFor,
      severity: 'critical',
      summary: 'The modelwatch collector cannot be scraped.',
      description: 'Prometheus cannot scrape the collector {{ $labels.instance }}: drift is not evaluated and baselines cannot be uploaded.',
    }),
    alert({
      name: 'ModelwatchUpstreamDown',
      expr: `model_stage:modelwatch_upstream_failures:ratio_rate5m > ${s.upstreamFailureRatio}`,
      for: s.upstreamFor,
      severity: 'critical',
      summary: 'The model server behind a sidecar is not answering.',
      description: `{{ $labels.model }} (stage {{ $labels.stage }}): {{ $value | humanizePercentage }} of requests failed to reach the model server (refused, timed out or error status).`,
    }),
    alert({
      name: 'ModelwatchSidecarSaturated',
      expr: `sum by (model, stage) (modelwatch_requests_in_flight) > ${s.inFlight}`,
      for: s.inFlightFor,
      severity: 'warning',
      summary: 'Requests are queueing in the sidecar.',
      description: `{{ $labels.model }} (stage {{ $labels.stage }}): {{ $value }} requests in flight (threshold ${s.inFlight}); the model cannot keep up with the traffic.`,
    }),
    alert({
      name: 'ModelwatchEventLoopLag',
      expr: `nodejs_eventloop_lag_p99_seconds{${config.sidecarSelector}} > ${s.eventLoopLagSeconds}`,
      for: s.eventLoopLagFor,
      severity: 'warning',
      summary: 'The sidecar event loop is lagging.',
      description: `Sidecar {{ $labels.instance }}: the p99 event loop lag is {{ $value | humanizeDuration }} (threshold ${s.eventLoopLagSeconds}s); every request through it waits that long.`,
    }),
    alert({
      name: 'ModelwatchHighCpu',
      expr: `rate(process_cpu_seconds_total{${config.sidecarSelector}}[5m]) > ${s.cpuUtilisation}`,
      for: s.cpuFor,
      severity: 'warning',
      summary: 'A sidecar process is using over 90% of a CPU core.',
      description: `Sidecar {{ $labels.instance }} used {{ $value | humanizePercentage }} of a core over 5 minutes (threshold ${s.cpuUtilisation * 100}%).`,
    }),
  ],
};

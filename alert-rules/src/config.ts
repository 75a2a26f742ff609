/**
 * The one place for selectors and thresholds (kubernetes-mixin's `config.libsonnet`): every rule
 * file is generated from this object by `npm run generate -w alert-rules`. Change a number here,
 * regenerate, and the promtool tests tell you which expectations moved.
 */
export const config = {
  /** Scrape job of the sidecars (their `up` series and process/nodejs metrics). */
  sidecarSelector: 'job="modelwatch-sidecar"',
  /** Scrape job of the collector. */
  collectorSelector: 'job="modelwatch-collector"',
  /** Where each alert's runbook lives; the anchor is the alert name in lower case. */
  runbookBase: 'https://github.com/modelwatch/modelwatch/blob/main/docs/runbooks.md',

  software: {
    /** Latency SLO: this share of requests answers within `latencyThresholdSeconds`. */
    latencySloTarget: 0.99,
    /** Must be one of the sidecar's request-duration bucket bounds (the `le` label value). */
    latencyThresholdSeconds: '0.25',
    /** Multi-window burn rates (Google SRE workbook ch. 5): fast burns 2% of a 30-day budget in 1h. */
    fastBurnRate: 14.4,
    slowBurnRate: 6,
    errorRatio: 0.05,
    errorRatioFor: '5m',
    downFor: '2m',
    upstreamFailureRatio: 0.5,
    upstreamFor: '2m',
    inFlight: 64,
    inFlightFor: '5m',
    eventLoopLagSeconds: 0.1,
    eventLoopLagFor: '5m',
    /** Server load: CPU seconds per second of one sidecar process (1.0 = one core busy). */
    cpuUtilisation: 0.9,
    cpuFor: '10m',
  },
  inputs: {
    missingRatio: 0.05,
    missingFor: '10m',
    outOfRangeRatio: 0.05,
    outOfRangeFor: '15m',
    schemaErrorRatio: 0.01,
    schemaErrorFor: '5m',
    schemaErrorReasons: ['malformed_json', 'wrong_shape', 'wrong_datatype', 'non_finite'],
  },
  outputs: {
    emptyRatio: 0.01,
    emptyFor: '10m',
    lowConfidenceRatio: 0.3,
    lowConfidenceFor: '15m',
    predictionShiftFor: '15m',
  },
  drift: {
    warningFor: '15m',
    /** Drift that persists this long becomes critical: a transient shift is not a retraining. */
    criticalFor: '1h',
    datasetFor: '15m',
    baselineMissingFor: '10m',
    /** A baseline older than this no longer describes the data the model sees. */
    baselineMaxAgeSeconds: 90 * 24 * 3600,
    baselineStaleFor: '1h',
    evaluationFailingFor: '15m',
  },
  performance: {
    /** Collector window the ground-truth alerts read (labels arrive late: a long window). */
    window: '1d',
    /** Short window compared with `window` for user-signal rate changes. */
    shortWindow: '1h',
    /** Realized accuracy below this share of the baseline's hold-out accuracy is a problem. */
    accuracyVsReference: 0.95,
    /** Realized MAE above this multiple of the baseline's hold-out MAE is a problem. */
    maeVsReference: 1.2,
    /** Fewer labelled predictions than this in the window say too little to alert on. */
    minLabelled: 100,
    belowReferenceFor: '30m',
    /** Detectors (of ddm, adwin, page_hinkley) that must agree: one alone false-alarms on seasonal error swings. */
    conceptDetectorsAgreeing: 2,
    /** How close in time their detections must be. */
    conceptAgreementRange: '1d',
    conceptFor: '5m',
    /** Label coverage under this, with at least `minPredictions` predictions in the window: labels stopped arriving. */
    minLabelCoverage: 0.1,
    minPredictions: 100,
    coverageFor: '1h',
    /** A user signal (redo, click…) whose short-window rate is this multiple of its long-window rate… */
    signalRateFactor: 1.5,
    /** …and at least this much higher in absolute terms (0.05 = 5 points of share). */
    signalRateMinIncrease: 0.05,
    signalFor: '30m',
    /**
     * Labels held for a prediction record that never came (expired after the collector's grace
     * period, or dropped because the model already held its maximum): over this share of the held
     * labels' outcomes in `lostLabelsRange`, and at least `lostLabelsMin` of them, ground truth is leaking.
     */
    lostLabelsRatio: 0.1,
    lostLabelsMin: 10,
    lostLabelsRange: '1h',
    lostLabelsFor: '30m',
  },
  windows: {
    /**
     * Labels the cross-replica window rules keep besides the contract's (model identity, feature,
     * bin). Every other label (instance, pod, job, relabelled target labels) is summed away.
     * Add a label here only if it is bounded and the same on every replica of a model (a region
     * label for a federated setup): each one multiplies the recorded series.
     */
    extraKeptLabels: [] as readonly string[],
  },
  pipeline: {
    /** A stage is unhealthy when this share of its requests fail. */
    failureRatio: 0.2,
    unhealthyFor: '5m',
  },
  review: {
    /** The queue grows (items in faster than decisions out) while at least this many wait. */
    growingMinDepth: 50,
    growingFor: '30m',
    /** An answer waits for a person longer than this: the caller holding it is stuck. */
    oldestItemSeconds: 4 * 3600,
    oldestItemFor: '5m',
    /** Human-vs-model agreement on reviewed items below this (over the last hour, with enough decisions). */
    agreementRatio: 0.8,
    agreementMinDecisions: 20,
    agreementFor: '30m',
    /** A retraining webhook call failed every attempt: the training pipeline never heard of the episode. */
    retrainingFailedFor: '5m',
  },
  rollouts: {
    /** A canary whose failed-request ratio exceeds its primary's by this much (absolute). */
    canaryErrorRatioIncrease: 0.05,
    canaryErrorsFor: '5m',
    /** A canary whose p99 latency is this multiple of its primary's. */
    canaryLatencyRatio: 1.5,
    canaryLatencyFor: '10m',
    /** Share of compared rows whose top class differs from the primary's. */
    canaryDisagreement: 0.1,
    canaryDisagreementFor: '10m',
    canaryDriftFor: '15m',
    shadowDisagreement: 0.2,
    shadowDisagreementFor: '15m',
    /** An automatic rollback keeps this alert firing for this long after it happened. */
    rollbackWindow: '15m',
    /** A canary with a share between 0 and 100% whose routing has not changed for this long is stuck. */
    stuckAfterSeconds: 6 * 3600,
    stuckFor: '30m',
  },
} as const;

export type Config = typeof config;

/**
 * The error catalogue: every error modelwatch answers or logs, defined once with a stable code,
 * the HTTP status it is answered with, and a message template. The sidecar, the collector and the
 * CLI answer and log through it (fastify's FST_ERR_* catalogue is the model), so an operator can
 * search a code and a client can branch on it.
 *
 * Templates name their parameters in braces: `unknown model {model}`. Codes are grouped by area;
 * add a code to the area it belongs to (areas are kept apart so additions do not collide).
 */
export interface ErrorSpec {
  /** Stable code, `MW_ERR_<AREA>_<WHAT>`. Never reuse a retired code for another meaning. */
  readonly code: string;
  /** HTTP status when the error is answered over HTTP (config errors: 400 when set over an API). */
  readonly status: number;
  /** Message template; `{name}` is replaced by the parameter of that name. */
  readonly message: string;
}

function spec(code: string, status: number, message: string): ErrorSpec {
  return { code, status, message };
}

/** Configuration: bad flags, config files and options, refused at startup. */
export const ConfigErrors = {
  unknownKey: spec('MW_ERR_CONFIG_UNKNOWN_KEY', 400, '{key}: {detail}'),
  invalidType: spec('MW_ERR_CONFIG_INVALID_TYPE', 400, '{key}: {detail}'),
  outOfRange: spec('MW_ERR_CONFIG_OUT_OF_RANGE', 400, '{key}: {detail}'),
  notAllowed: spec('MW_ERR_CONFIG_NOT_ALLOWED', 400, '{key}: {detail}'),
  /** A route template of a protocol (`json.path`) that is not a path. */
  routeTemplate: spec('MW_ERR_ROUTE_TEMPLATE', 400, '{detail}'),
  /** An RFC 6901 pointer (`json.inputs`, `json.outputs`) that is not one. */
  jsonPointer: spec('MW_ERR_JSON_POINTER', 400, '{detail}'),
  extractorKind: spec('MW_ERR_EXTRACTOR_KIND', 400, '{detail}'),
  extractor: spec('MW_ERR_EXTRACTOR', 400, '{detail}'),
  modelSource: spec('MW_ERR_CONFIG_MODEL_SOURCE', 400, '{key}: {detail}'),
  baselineSource: spec('MW_ERR_CONFIG_BASELINE_SOURCE', 400, '{key}: {detail}'),
  file: spec('MW_ERR_CONFIG_FILE', 400, '{key}: {detail}'),
  /** Collector options (MW_COLLECTOR_* codes predate the catalogue and are kept). */
  collector: spec('MW_COLLECTOR_CONFIG', 400, '{detail}'),
  collectorPort: spec('MW_COLLECTOR_PORT', 400, '{detail}'),
  collectorWindows: spec('MW_COLLECTOR_WINDOWS', 400, '{detail}'),
  collectorInterval: spec('MW_COLLECTOR_INTERVAL', 400, '{detail}'),
  collectorMaxBody: spec('MW_COLLECTOR_MAX_BODY', 400, '{detail}'),
  collectorPrometheusUrl: spec('MW_COLLECTOR_PROMETHEUS_URL', 400, '{detail}'),
  collectorPrometheusHeader: spec('MW_COLLECTOR_PROMETHEUS_HEADER', 400, '{detail}'),
  collectorHistory: spec('MW_COLLECTOR_HISTORY', 400, '{detail}'),
  collectorToken: spec('MW_COLLECTOR_TOKEN', 400, '{detail}'),
  collectorTokens: spec('MW_COLLECTOR_TOKENS', 400, '{detail}'),
  collectorTls: spec('MW_COLLECTOR_TLS', 400, '{detail}'),
  collectorDrift: spec('MW_COLLECTOR_DRIFT', 400, '{detail}'),
  collectorDriftConfig: spec('MW_COLLECTOR_DRIFT_CONFIG', 400, '{detail}'),
  /** Concept-drift detector parameters (DDM, ADWIN, Page-Hinkley). */
  collectorConceptDrift: spec('MW_COLLECTOR_CONCEPT_DRIFT', 400, '{detail}'),
  collectorFlag: spec('MW_COLLECTOR_FLAG', 400, '{detail}'),
  collectorQueryTimeout: spec('MW_COLLECTOR_QUERY_TIMEOUT', 400, '{detail}'),
  collectorWindowsFrom: spec('MW_COLLECTOR_WINDOWS_FROM', 400, '{detail}'),
  collectorConcurrency: spec('MW_COLLECTOR_CONCURRENCY', 400, '{detail}'),
  collectorRoundBudget: spec('MW_COLLECTOR_ROUND_BUDGET', 400, '{detail}'),
  collectorFeaturesPerQuery: spec('MW_COLLECTOR_FEATURES_PER_QUERY', 400, '{detail}'),
  collectorLeaseTtl: spec('MW_COLLECTOR_LEASE_TTL', 400, '{detail}'),
  /** TLS certificate, key or CA files (both servers and their clients). */
  tls: spec('MW_ERR_CONFIG_TLS', 400, '{key}: {detail}'),
} as const;

/** Requests: what any HTTP endpoint of either server refuses. */
export const RequestErrors = {
  malformedJson: spec('MW_ERR_REQUEST_MALFORMED_JSON', 400, 'malformed JSON: {detail}'),
  emptyBody: spec('MW_ERR_REQUEST_EMPTY_BODY', 400, 'request body is empty'),
  invalid: spec('MW_ERR_REQUEST_INVALID', 400, '{detail}'),
  badPath: spec('MW_ERR_REQUEST_BAD_PATH', 400, 'the request path is not valid percent-encoding'),
  bodyTooLarge: spec('MW_ERR_REQUEST_BODY_TOO_LARGE', 413, 'request body is larger than the limit of {limit} bytes'),
  unsupportedMediaType: spec('MW_ERR_REQUEST_MEDIA_TYPE', 415, 'unsupported Content-Type "{type}": use {allowed}'),
  notFound: spec('MW_ERR_REQUEST_NOT_FOUND', 404, '{detail}'),
  methodNotAllowed: spec('MW_ERR_REQUEST_METHOD', 405, 'method {method} is not allowed on {path}'),
  conflict: spec('MW_ERR_REQUEST_CONFLICT', 409, '{detail}'),
  timeout: spec('MW_ERR_REQUEST_TIMEOUT', 408, 'the request was not received within {ms} ms'),
  connectNotSupported: spec('MW_ERR_REQUEST_CONNECT', 405, 'CONNECT is not supported: this is not a forward proxy'),
  malformedHttp: spec('MW_ERR_REQUEST_MALFORMED_HTTP', 400, 'malformed HTTP request'),
  overloaded: spec('MW_ERR_REQUEST_OVERLOADED', 503, 'the server is at its limit of {limit} requests in flight; retry later'),
  unreadableBody: spec('MW_ERR_REQUEST_UNREADABLE_BODY', 400, 'unreadable request body ({detail})'),
} as const;

/** Authentication and authorisation (bearer tokens with scopes, client certificates). */
export const AuthErrors = {
  missingToken: spec('MW_ERR_AUTH_MISSING_TOKEN', 401, 'this request needs an Authorization: Bearer <token> header'),
  invalidToken: spec('MW_ERR_AUTH_INVALID_TOKEN', 401, 'invalid bearer token'),
  forbidden: spec('MW_ERR_AUTH_FORBIDDEN', 403, 'token "{name}" lacks the {scope} scope this request needs'),
  clientCertificate: spec('MW_ERR_AUTH_CLIENT_CERTIFICATE', 401, 'a client certificate signed by the configured CA is required'),
} as const;

/** Models and baselines. */
export const ModelErrors = {
  unknownModel: spec('MW_ERR_MODEL_UNKNOWN', 404, 'unknown model "{model}"{hint}'),
  invalidName: spec('MW_ERR_MODEL_INVALID_NAME', 400, '{detail}'),
  invalidBaseline: spec('MW_ERR_BASELINE_INVALID', 400, 'invalid baseline profile: {detail}'),
  unknownBaseline: spec('MW_ERR_BASELINE_UNKNOWN', 404, '{detail}'),
  unreadableData: spec('MW_ERR_BASELINE_UNREADABLE_DATA', 400, 'unreadable {format} data: {detail}'),
  tooManyColumns: spec('MW_ERR_BASELINE_TOO_MANY_COLUMNS', 400, '{detail}'),
  activeInUse: spec('MW_ERR_BASELINE_ACTIVE', 409, '{detail}'),
} as const;

/** Inference through the sidecar: upstream model servers and the in-process model. */
export const InferenceErrors = {
  upstreamRefused: spec('MW_ERR_UPSTREAM_REFUSED', 502, 'the model server refused the connection'),
  upstreamTimeout: spec('MW_ERR_UPSTREAM_TIMEOUT', 504, 'the model server did not answer within {ms} ms'),
  upstreamFailed: spec('MW_ERR_UPSTREAM_FAILED', 502, 'the model server failed: {detail}'),
  inferenceFailed: spec('MW_ERR_INFERENCE_FAILED', 500, 'inference failed: {detail}'),
  badInput: spec('MW_ERR_INFERENCE_BAD_INPUT', 400, '{detail}'),
} as const;

/** Windows pushed by sidecars and their store-and-forward. */
export const PushErrors = {
  invalidWindow: spec('MW_ERR_PUSH_INVALID_WINDOW', 400, 'invalid pushed window: {detail}'),
  bufferUnwritable: spec('MW_ERR_PUSH_BUFFER', 500, 'push buffer {dir}: {detail}'),
  bufferLimit: spec('MW_ERR_PUSH_BUFFER_LIMIT', 400, '{detail}'),
  interval: spec('MW_ERR_PUSH_INTERVAL', 400, 'intervalMs must be >= 100, got {value}'),
  collectorUrl: spec('MW_ERR_PUSH_COLLECTOR', 400, 'collector URL {url} is not a URL (e.g. http://127.0.0.1:9400)'),
} as const;

/** Ground truth: prediction records, labels and user signals. */
export const FeedbackErrors = {
  invalidFeedback: spec('MW_ERR_FEEDBACK_INVALID', 400, 'invalid feedback: {detail}'),
  invalidRecords: spec('MW_ERR_PREDICTIONS_INVALID', 400, 'invalid prediction records: {detail}'),
  unknownPrediction: spec('MW_ERR_PREDICTIONS_UNKNOWN', 404, 'model "{model}" has no stored prediction "{id}"'),
  invalidQuery: spec('MW_ERR_PREDICTIONS_QUERY', 400, '{detail}'),
  invalidPrivacyRule: spec('MW_ERR_PRIVACY_RULE', 400, 'privacy rule {where}: {detail}'),
  labelFile: spec('MW_ERR_FEEDBACK_FILE', 400, '{file}: {detail}'),
  retentionConfig: spec('MW_COLLECTOR_RETENTION', 400, '{detail}'),
  eventsConfig: spec('MW_COLLECTOR_EVENTS', 400, '{detail}'),
  pendingConfig: spec('MW_COLLECTOR_PENDING_LABELS', 400, '{detail}'),
} as const;

/** Humans in the loop: review queue, retraining triggers, dataset export. */
export const ReviewErrors = {
  unknownItem: spec('MW_ERR_REVIEW_UNKNOWN_ITEM', 404, 'no review item {predictionId}'),
  claimed: spec('MW_ERR_REVIEW_CLAIMED', 409, 'review item {predictionId} is claimed by another reviewer until {until}'),
  decided: spec('MW_ERR_REVIEW_DECIDED', 409, 'review item {predictionId} was already decided'),
  queueFull: spec('MW_ERR_REVIEW_QUEUE_FULL', 503, 'the review queue of model "{model}" holds its limit of {limit} pending items; new items are refused until reviewers catch up'),
  invalidItems: spec('MW_ERR_REVIEW_INVALID_ITEMS', 400, 'invalid review items: {detail}'),
  invalidDecision: spec('MW_ERR_REVIEW_INVALID_DECISION', 400, 'invalid review decision: {detail}'),
  invalidQuery: spec('MW_ERR_REVIEW_QUERY', 400, '{detail}'),
  invalidPolicy: spec('MW_ERR_RETRAINING_POLICY', 400, 'retraining policy {where}: {detail}'),
  noLabels: spec('MW_ERR_AUTOMATION_NO_LABELS', 404, 'model "{model}" has no labelled predictions with a confidence between {from} and {to}'),
  invalidExport: spec('MW_ERR_DATASET_QUERY', 400, '{detail}'),
  retrainingOff: spec('MW_ERR_RETRAINING_OFF', 409, 'the collector has no retraining webhook configured (collector option retraining.webhookUrl)'),
  /** Collector review/retraining options, refused at startup. */
  config: spec('MW_COLLECTOR_REVIEW', 400, '{detail}'),
} as const;

/** Rollouts: variant routing and its admin API. */
export const RolloutErrors = {
  unknownVariant: spec('MW_ERR_ROLLOUT_UNKNOWN_VARIANT', 404, 'unknown variant "{variant}"'),
  invalidChange: spec('MW_ERR_ROLLOUT_INVALID_CHANGE', 400, '{detail}'),
  notConfigured: spec('MW_ERR_ROLLOUT_NOT_CONFIGURED', 409, '{detail}'),
  stateUnreadable: spec('MW_ERR_ROLLOUT_STATE', 500, 'rollout state {path}: {detail}'),
  humanOnly: spec('MW_ERR_ROLLOUT_HUMAN_ONLY', 503, 'model "{model}" runs at automation level human: it is not called, a person decides'),
  adminUnreachable: spec('MW_ERR_ROLLOUT_ADMIN_UNREACHABLE', 502, 'the sidecar admin API at {url} is unreachable: {detail}'),
} as const;

/** Tap mode: copies of calls sent to the sidecar by KServe's payload logger or nginx. */
export const TapErrors = {
  invalidEvent: spec('MW_ERR_TAP_INVALID_EVENT', 400, 'not a KServe payload-logger event: {detail}'),
} as const;

/** Window sources and evaluation (Prometheus and compatible engines). */
export const SourceErrors = {
  unreachable: spec('MW_ERR_SOURCE_UNREACHABLE', 502, '{source} unreachable: {detail}'),
  timeout: spec('MW_ERR_SOURCE_TIMEOUT', 504, '{source} is up but did not answer within {ms} ms: raise --query-timeout, or read recorded series (--windows-from recorded)'),
  tooLarge: spec('MW_ERR_SOURCE_TOO_LARGE', 422, '{source} refused a query as too large even for a single feature: {detail}'),
  engineError: spec('MW_ERR_SOURCE_ENGINE', 502, '{source} answered {status}: {detail}'),
  roundBudget: spec('MW_ERR_SOURCE_ROUND_BUDGET', 503, 'the evaluation round ran out of its budget ({detail}); raise --round-budget or --model-concurrency'),
} as const;

/** CLI usage (exit code 2). */
export const CliErrors = {
  usage: spec('MW_ERR_CLI_USAGE', 400, '{detail}'),
  io: spec('MW_ERR_CLI_IO', 400, '{detail}'),
} as const;

/** Anything unexpected: answered without internals, counted, logged with the correlation id. */
export const InternalErrors = {
  internal: spec('MW_ERR_INTERNAL', 500, 'internal error (correlation id {correlationId})'),
} as const;

/** Every spec of the catalogue, for uniqueness tests and generated docs. */
export const ERROR_CATALOGUE: readonly ErrorSpec[] = [
  ConfigErrors,
  RequestErrors,
  AuthErrors,
  ModelErrors,
  InferenceErrors,
  PushErrors,
  FeedbackErrors,
  ReviewErrors,
  RolloutErrors,
  TapErrors,
  SourceErrors,
  CliErrors,
  InternalErrors,
].flatMap((area) => Object.values(area));

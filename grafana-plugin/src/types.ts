/** Panel options (what the options builder in module.ts edits) and the view-model types. */

/** Warning and critical thresholds of one ratio/latency signal; a value at or above a threshold reaches it. */
export interface SignalThresholds {
  warning: number;
  critical: number;
}

export interface PanelOptions {
  /** Share of requests failing server-side (outcome not success/client_error). */
  errorRatio: SignalThresholds;
  /** p99 request latency, seconds; `critical` is the SLO. */
  latencyP99: SignalThresholds;
  /** Share of outputs that were null/empty. */
  emptyOutputRatio: SignalThresholds;
  /** Share of predictions under the sidecar's confidence threshold. */
  lowConfidenceRatio: SignalThresholds;
  /** Share of input features that drifted (the collector's dataset verdict is always critical). */
  driftedFeaturesRatio: SignalThresholds;
  /** Shortfall of realized accuracy against the baseline's reference (0.05 = at 95% of it); shown only when labels exist. */
  accuracyShortfall: SignalThresholds;
  /**
   * Link opened from a stage's details. `{{pipeline}}`, `{{stage}}` and `{{model}}` are replaced by the
   * stage's values (URL-encoded); dashboard variables (`$datasource`) are then interpolated by Grafana.
   */
  stageLinkTemplate: string;
  /** Above this many stages in the panel, nodes switch to the compact layout. */
  compactAbove: number;
}

export const DEFAULT_OPTIONS: PanelOptions = {
  errorRatio: { warning: 0.01, critical: 0.05 },
  latencyP99: { warning: 0.25, critical: 0.5 },
  emptyOutputRatio: { warning: 0.01, critical: 0.05 },
  lowConfidenceRatio: { warning: 0.1, critical: 0.25 },
  driftedFeaturesRatio: { warning: 0.2, critical: 0.5 },
  accuracyShortfall: { warning: 0.05, critical: 0.15 },
  stageLinkTemplate: '/d/modelwatch-overview?var-datasource=${datasource}&var-model={{model}}&var-stage={{stage}}',
  compactAbove: 60,
};

/** Ordered from best to worst except `unknown`, which ranks below every known state (no data is not healthy, but never hides a known problem). */
export type HealthState = 'ok' | 'warning' | 'critical' | 'unknown';

export type SignalKey = 'up' | 'errorRatio' | 'latencyP99' | 'emptyOutputRatio' | 'lowConfidenceRatio' | 'drift' | 'performance';

export interface SignalView {
  key: SignalKey;
  label: string;
  /** Undefined when the query returned nothing for this stage. */
  value?: number;
  /** Human text of the value with its unit, `no data` when missing. */
  display: string;
  /** Human text of the thresholds applied. */
  threshold: string;
  state: HealthState;
}

export interface StageView {
  /** `${pipeline}/${stage}`, unique in the panel. */
  id: string;
  pipeline: string;
  name: string;
  /** Model names serving this stage (several with variants). */
  models: string[];
  upstream: string[];
  /** Requests per second summed over variants/replicas; undefined without data. */
  requestRate?: number;
  signals: SignalView[];
  health: HealthState;
  /** Stage referenced as upstream but absent from the topology metric. */
  unknown: boolean;
  /** Stage seen in signal queries but without a topology series. */
  missingTopology: boolean;
  /** Column, left to right. */
  layer: number;
  /** Row inside the column. */
  row: number;
  link?: string;
  /** Variants serving the stage with their role and share (empty without rollout series). */
  variants: VariantView[];
  /** How the stage is being rolled out right now, if at all. */
  rollout?: 'canary' | 'shadow' | 'blue-green';
}

export interface VariantView {
  name: string;
  role: string;
  /** Share of traffic 0..1 (a shadow: share of requests copied to it). */
  weight: number;
  /** This variant's own failed-request ratio. */
  errorRatio?: number;
}

export interface EdgeView {
  from: string;
  to: string;
  /** Request rate entering the target stage (shared between its upstreams on a join). */
  rate?: number;
  /** The target has several upstream stages, so `rate` is their total, not this edge's share. */
  join: boolean;
  /** Edge closing a cycle; drawn but ignored by the layering. */
  back: boolean;
}

export interface PipelineView {
  name: string;
  stages: StageView[];
  edges: EdgeView[];
  layers: number;
  maxRows: number;
  health: HealthState;
}

export interface PanelView {
  pipelines: PipelineView[];
  stageCount: number;
  /** Queries the panel expected but did not receive (refIds), shown as a partial-data notice. */
  missingQueries: string[];
}

import { performance } from 'node:perf_hooks';
import {
  AutomationLevel,
  ModelwatchError,
  RolloutErrors,
  type RolloutTriggerValue,
} from '@modelwatch/core';
import type { RolloutConfig } from '../config/types.js';
import { readBody } from '../server/body.js';
import type { ServerReply, ServerRequest } from '../server/http-types.js';
import { PREDICTION_ID_HEADER } from '../predictions/prediction-log.js';
import { sendJson } from '../server/respond.js';
import type { AnsweredExchange } from './answered.js';
import { compareOutputs } from './comparator.js';
import { RolloutMetrics } from './rollout-metrics.js';
import type { RolloutEvent, RoutingState, Transition } from './routing-state.js';
import { ShadowDispatcher } from './shadow-dispatcher.js';
import type { RolloutStateStore } from './state-store.js';
import { SPLIT_BUCKETS, stickyBucket } from './sticky-hash.js';
import type { Variant } from './variant.js';
import { VariantStats } from './variant-stats.js';
import { mergeExpositions } from './exposition-merge.js';

const HUMAN_ONLY_STATUS = RolloutErrors.humanOnly.status;

/**
 * The variant layer above the handlers: picks the variant that answers each inference call (primary,
 * or a canary share, sticky by a hashed header), copies answered calls to a shadow, compares
 * outputs, applies the degree of automation, and applies routing changes. The routing is compiled
 * into a few fields on every change so the per-request decision is two comparisons and, with a
 * canary, one hash.
 */
export class VariantRouter {
  readonly metrics: RolloutMetrics;
  readonly stats: VariantStats;
  private readonly byName: Map<string, Variant>;
  private readonly dispatcher: ShadowDispatcher;
  private readonly sticky: string | undefined;
  private primary!: Variant;
  private canary: Variant | undefined;
  /** Canary share in SPLIT_BUCKETS units; requests whose bucket is below it go to the canary. */
  private canaryThreshold = 0;
  private shadow: Variant | undefined;
  private shadowShare = 0;
  private automation: RoutingState['automation'] = AutomationLevel.full;
  /** Per-variant counts for the analysis (only while a canary is analysed). */
  private tracking = false;
  /** Reference calls to the primary for canary requests (disagreement check). */
  private readonly mirrorCanary: boolean;

  constructor(
    readonly variants: readonly Variant[],
    readonly store: RolloutStateStore,
    private readonly rollout: RolloutConfig,
    private readonly lowConfidenceThreshold: number,
    private readonly maxBodyBytes: number,
  ) {
    this.byName = new Map(variants.map((v) => [v.name, v]));
    const first = variants[0];
    const id = (name: string) => (this.byName.get(name) ?? first).telemetry.identityLabels;
    this.metrics = new RolloutMetrics(id, () => this.store.current, variants.map((v) => v.name));
    this.stats = new VariantStats(lowConfidenceThreshold);
    this.dispatcher = new ShadowDispatcher(this.metrics, rollout.shadow.maxInFlight, rollout.shadow.timeoutMs, rollout.shadow.shedding);
    this.sticky = rollout.stickyHeader;
    this.mirrorCanary = rollout.analysis !== undefined;
    // A restart does not reset how long the routing has been as it is (the stuck-rollout alert reads it).
    const last = store.events(1)[0];
    if (last && Number.isFinite(Date.parse(last.at))) this.metrics.lastEventSeconds = Date.parse(last.at) / 1000;
    this.compile(store.current);
  }

  get current(): RoutingState {
    return this.store.current;
  }

  variant(name: string): Variant | undefined {
    return this.byName.get(name);
  }

  get primaryVariant(): Variant {
    return this.primary;
  }

  get shadowPending(): number {
    return this.dispatcher.pending;
  }

  /** Installs a routing: the fields the request path reads and the observers of each handler. */
  private compile(s: RoutingState): void {
    this.primary = this.byName.get(s.primary)!;
    this.canary = s.canary && s.canary.percent > 0 ? this.byName.get(s.canary.variant) : undefined;
    this.canaryThreshold = this.canary ? Math.round((s.canary!.percent / 100) * SPLIT_BUCKETS) : 0;
    this.shadow = s.shadow && s.shadow.percent > 0 ? this.byName.get(s.shadow.variant) : undefined;
    this.shadowShare = this.shadow ? s.shadow!.percent / 100 : 0;
    this.automation = s.automation;
    const wasTracking = this.tracking;
    this.tracking = this.canary !== undefined && this.rollout.analysis !== undefined;
    if (!this.tracking || !wasTracking) this.stats.reset();
    for (const v of this.variants) v.setObserver(undefined);
    const primary = this.primary;
    const shadow = this.shadow;
    const canary = this.canary;
    if (shadow || this.tracking) {
      const share = this.shadowShare;
      const track = this.tracking;
      primary.setObserver((x) => {
        if (track && x.outputs) this.stats.outputs(primary.name, x.outputs);
        if (shadow && (share >= 1 || Math.random() < share)) this.copyToShadow(shadow, primary, x);
      });
    }
    if (canary && this.tracking) {
      canary.setObserver((x) => {
        if (x.outputs) this.stats.outputs(canary.name, x.outputs);
        if (this.mirrorCanary && x.outputs) {
          const candidate = x.outputs;
          this.dispatcher.dispatch(primary.name, primary.target, x, false, (ref) => {
            if (!ref) return;
            const s = compareOutputs(this.metrics, canary.name, primary.name, candidate, ref);
            this.stats.compared(canary.name, s.classRows, s.disagreements);
          });
        }
      });
    }
  }

  private copyToShadow(shadow: Variant, primary: Variant, x: AnsweredExchange): void {
    const reference = x.outputs;
    this.dispatcher.dispatch(shadow.name, shadow.target, x, true, reference
      ? (out) => {
          if (out) compareOutputs(this.metrics, shadow.name, primary.name, out, reference);
        }
      : undefined);
  }

  /**
   * True when the variant(s) answering this call monitor it inline, proxy or embedded (what the sidecar's
   * own HTTP/1.1 server carries; everything else is left to node:http).
   */
  servesInline(method: string, path: string): boolean {
    const a = this.automation;
    if (a !== AutomationLevel.full && a !== AutomationLevel.partial && a !== AutomationLevel.assistance) return false;
    if (this.primary.monitorsInline?.(method, path) !== true) return false;
    return this.canary === undefined || this.canary.monitorsInline?.(method, path) === true;
  }

  /** Routes one request; false when no variant has such a route (the server answers 404). */
  handle(req: ServerRequest, res: ServerReply, path: string): boolean {
    const primary = this.primary;
    if (this.automation === AutomationLevel.full || this.automation === AutomationLevel.partial || this.automation === AutomationLevel.assistance) {
      let v = primary;
      if (this.canary !== undefined && primary.isInference(req.method ?? 'GET', path)) {
        const key = this.sticky === undefined ? undefined : req.headers[this.sticky];
        const bucket = typeof key === 'string' && key !== '' ? stickyBucket(key) : Math.floor(Math.random() * SPLIT_BUCKETS);
        if (bucket < this.canaryThreshold) v = this.canary;
      }
      if (this.tracking && (v === this.canary || v === primary)) {
        const start = performance.now();
        const name = v.name;
        res.once('finish', () => this.stats.answered(name, res.statusCode, (performance.now() - start) / 1000));
      }
      return v.handle(req, res, path);
    }
    if (!primary.isInference(req.method ?? 'GET', path)) return primary.handle(req, res, path);
    if (this.automation === AutomationLevel.human) {
      // Human only: the model is not called at all; the caller's process routes the case to a person.
      req.resume();
      const err = new ModelwatchError(RolloutErrors.humanOnly, { model: primary.rt.config.name });
      sendJson(res, HUMAN_ONLY_STATUS, JSON.stringify(err.body()));
      return true;
    }
    // Shadow automation: the model runs on every call, but its answer goes to monitoring only.
    void this.acceptForShadow(req, res, primary);
    return true;
  }

  private async acceptForShadow(req: ServerRequest, res: ServerReply, primary: Variant): Promise<void> {
    const r = await readBody(req, this.maxBodyBytes);
    if (!r.ok) {
      if (!res.headersSent) sendJson(res, r.tooLarge ? 413 : 400, JSON.stringify({ error: r.tooLarge ? `request body exceeds the limit of ${this.maxBodyBytes} bytes` : 'unreadable request body' }));
      return;
    }
    // The id the answer will be recorded and reviewed under, known before the model runs, so the
    // caller can relate the human's decision to its case (the client's own id when it sent a valid one).
    const recorder = primary.rt.predictions;
    const id = recorder.predictionId(req.headers);
    sendJson(res, 202, JSON.stringify({ status: 'accepted', automation: AutomationLevel.shadow, model: primary.rt.config.name, predictionId: id }), { [PREDICTION_ID_HEADER]: id });
    // Off the path: the answer goes to the prediction log and to a person (the review queue), never to the caller.
    this.dispatcher.dispatch(primary.name, primary.target, { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body: r.body, status: 202, outputs: undefined }, true,
      // A call the model refused (4xx, unparsable) has no answer to judge: nothing is recorded or queued.
      (outputs, inputs) => {
        if (outputs) recorder.shadowAnswered(id, inputs, outputs);
      });
  }

  /** Makes a transition the routing in force, records and persists its event. */
  async apply(t: Transition, actor: string, trigger: RolloutTriggerValue, reason: string): Promise<RolloutEvent> {
    const event: RolloutEvent = {
      revision: t.after.revision,
      at: new Date().toISOString(),
      actor,
      trigger,
      action: t.action,
      variant: t.variant,
      reason,
      before: this.store.current,
      after: t.after,
    };
    const written = this.store.commit(event);
    this.compile(t.after);
    this.metrics.event(t.variant, t.action, trigger);
    await written;
    return event;
  }

  /** Every variant's telemetry and the rollout metrics, as one exposition. */
  async exposition(): Promise<string> {
    const texts = await Promise.all(this.variants.map((v) => v.telemetry.metrics()));
    const rollout: string[] = [];
    this.metrics.render(rollout);
    texts.push(rollout.join(''));
    return texts.length === 2 && this.variants.length === 1 ? texts.join('') : mergeExpositions(texts);
  }

  close(): void {
    this.dispatcher.close();
  }
}

import type { SidecarConfig } from '../config/types.js';
import { startAdminServer, type RunningAdmin } from '../admin/admin-server.js';
import { PrometheusSource, OwnCounterSource, type AnalysisSource } from './analysis-source.js';
import { CanaryAnalysis } from './canary-analysis.js';
import { RolloutStateStore } from './state-store.js';
import { buildVariant, type Variant, type VariantContext } from './variant.js';
import { VariantRouter } from './variant-router.js';

export interface Rollouts {
  router: VariantRouter;
  variants: Variant[];
  /** Primary at startup (baseline, push and readiness hang on it). */
  first: Variant;
  analysis: CanaryAnalysis | undefined;
  admin: RunningAdmin | undefined;
  close(): Promise<void>;
}

/**
 * Builds every variant (the primary from the top-level source, candidates from `variants`,
 * `--shadow`, `--canary`), restores the persisted routing, and starts the canary analysis and the
 * admin API when configured.
 */
export async function startRollouts(config: SidecarConfig, ctx: Omit<VariantContext, 'shadowMaxSockets' | 'config'>): Promise<Rollouts> {
  const vctx: VariantContext = { ...ctx, config, shadowMaxSockets: config.rollout.shadow.maxInFlight };
  const variants: Variant[] = [];
  const closeAll = async () => {
    for (const v of variants) await v.close();
  };
  try {
    variants.push(await buildVariant(vctx, config.variant, config.modelVersion, config.source, true));
    for (const spec of config.rollout.variants) variants.push(await buildVariant(vctx, spec.name, spec.modelVersion, spec.source, false));
  } catch (err) {
    await closeAll();
    throw err;
  }
  let store: RolloutStateStore;
  try {
    store = new RolloutStateStore(config.rollout.stateDir, config.rollout.initial, variants.map((v) => v.name));
  } catch (err) {
    await closeAll();
    throw err;
  }
  const router = new VariantRouter(variants, store, config.rollout, config.limits.lowConfidenceThreshold, config.limits.maxBodyBytes);
  const a = config.rollout.analysis;
  let analysis: CanaryAnalysis | undefined;
  if (a) {
    const own = new OwnCounterSource(router.stats);
    const source: AnalysisSource = a.prometheus || a.collector ? new PrometheusSource(a.prometheus, a.collector, config.name, own) : own;
    analysis = new CanaryAnalysis(router, a, source, ctx.log);
    analysis.start();
  }
  let admin: RunningAdmin | undefined;
  if (config.rollout.admin) {
    try {
      admin = await startAdminServer(config.rollout.admin, router, analysis, ctx.log);
    } catch (err) {
      analysis?.stop();
      await closeAll();
      throw err;
    }
  }
  return {
    router,
    variants,
    first: variants[0],
    analysis,
    admin,
    async close() {
      analysis?.stop();
      await admin?.close();
      router.close();
      await store.flush();
      await closeAll();
    },
  };
}

import { join } from 'node:path';
import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import type { SidecarConfig } from '../config/types.js';
import { PrivacyPolicy } from '../predictions/privacy.js';
import { RecordShipper } from '../predictions/record-shipper.js';
import { DriftWatch } from './drift-watch.js';
import { ReviewMarker } from './review-marker.js';

/**
 * The review marker of a sidecar whose config sets a review rule or starts at automation level
 * shadow, else undefined. Marked records
 * wait in `<predictions.bufferDir>/review` (a store-and-forward of their own, so a long review
 * backlog never crowds out the prediction log) and go to the collector's review queue.
 */
export async function openReview(
  config: SidecarConfig,
  log: (message: string) => void,
  classLabels: readonly string[] | undefined,
  fetchOptions?: Record<string, unknown>,
): Promise<ReviewMarker | undefined> {
  const p = config.predictions;
  // Shadow automation sends every answer to a person even without a rule (no answer is then marked on the path).
  const r = config.review ?? (config.rollout.initial.automation === 'shadow' ? { outOfRange: false, maxPending: 10_000 } : undefined);
  if (!r || p.bufferDir === undefined || config.baseline.kind !== 'collector') return undefined;
  let shipper: RecordShipper;
  try {
    shipper = await RecordShipper.open({
      collectorUrl: config.baseline.url,
      model: config.name,
      ...(config.baseline.token ? { token: config.baseline.token } : {}),
      bufferDir: join(p.bufferDir, 'review'),
      maxBatches: p.maxBatches,
      maxBytes: p.maxBytes,
      onError: log,
      resource: 'review',
      ...(fetchOptions ? { fetchOptions } : {}),
    });
  } catch (err) {
    throw new ConfigError(ConfigErrorCode.file, 'predictions.bufferDir', (err as Error).message);
  }
  const marker = new ReviewMarker(
    r,
    { model: config.name, version: config.modelVersion, variant: config.variant, stage: config.stage, pipeline: config.pipeline },
    new PrivacyPolicy(p.privacy),
    classLabels,
    shipper,
    p.flushIntervalMs,
    log,
  );
  marker.start();
  if (r.driftedFeatures) {
    const watch = new DriftWatch({
      collectorUrl: config.baseline.url,
      model: config.name,
      ...(config.baseline.token ? { token: config.baseline.token } : {}),
      ...(fetchOptions ? { fetchOptions } : {}),
      ...(r.driftPollMs !== undefined ? { everyMs: r.driftPollMs } : {}),
      onDrifted: (features) => marker.setDrifted(features),
      onError: log,
    });
    watch.start();
    marker.onClose(() => watch.stop());
  }
  return marker;
}

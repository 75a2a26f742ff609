import type { BaselineProfile } from '@modelwatch/core';
import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import type { SidecarConfig } from '../config/types.js';
import { PredictionLog } from './prediction-log.js';
import { PrivacyPolicy } from './privacy.js';
import { RecordShipper } from './record-shipper.js';

/** Class names of the baseline's first categorical prediction output (names probability outputs in proxy mode). */
export function classLabelsOf(profile: BaselineProfile | undefined): string[] | undefined {
  const out = profile?.outputs.find((o) => o.role === 'prediction' && o.type === 'categorical');
  return out && out.type === 'categorical' ? out.categories.map((c) => c.value) : undefined;
}

/**
 * Builds the sidecar's prediction log from its configuration: ids always; recording and shipping
 * when `predictions.bufferDir` is set (the collector is then required by config validation). The
 * caller puts the log's counters on /metrics when it ships (`shipping`).
 */
export async function openPredictionLog(
  config: SidecarConfig,
  log: (message: string) => void,
  classLabels: readonly string[] | undefined,
  /** Extra fetch options for the collector (a dispatcher trusting its private CA). */
  fetchOptions?: Record<string, unknown>,
): Promise<PredictionLog> {
  const p = config.predictions;
  let shipper: RecordShipper | undefined;
  if (p.bufferDir !== undefined && config.baseline.kind === 'collector') {
    try {
      shipper = await RecordShipper.open({
        collectorUrl: config.baseline.url,
        model: config.name,
        ...(config.baseline.token ? { token: config.baseline.token } : {}),
        bufferDir: p.bufferDir,
        maxBatches: p.maxBatches,
        maxBytes: p.maxBytes,
        onError: log,
        ...(fetchOptions ? { fetchOptions } : {}),
      });
    } catch (err) {
      throw new ConfigError(ConfigErrorCode.file, 'predictions.bufferDir', (err as Error).message);
    }
  }
  const predictionLog = new PredictionLog(
    {
      identity: { model: config.name, version: config.modelVersion, variant: config.variant, stage: config.stage, pipeline: config.pipeline },
      sampleOutputs: p.sampleOutputs,
      sampleInputs: p.sampleInputs,
      maxPending: p.maxPending,
      batchSize: p.batchSize,
      flushIntervalMs: p.flushIntervalMs,
      privacy: new PrivacyPolicy(p.privacy),
      ...(classLabels ? { classLabels } : {}),
      log,
    },
    shipper,
  );
  predictionLog.start();
  return predictionLog;
}

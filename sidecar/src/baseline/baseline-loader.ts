import { readFileSync } from 'node:fs';
import { BASELINE_SCHEMA, type BaselineProfile } from '@modelwatch/core';
import { ConfigError, ConfigErrorCode } from '../config/errors.js';
import type { BaselineSource } from '../config/types.js';

/** Minimal structural check: the sidecar only needs features/outputs with bins or category tables. */
export function checkProfile(doc: unknown, where: string): BaselineProfile {
  const p = doc as Partial<BaselineProfile> | null;
  if (typeof p !== 'object' || p === null || p.schema !== BASELINE_SCHEMA || !Array.isArray(p.features)) {
    throw new Error(`${where}: not a baseline profile (expected schema "${BASELINE_SCHEMA}" and a features array)`);
  }
  for (const f of p.features) {
    const ok = f && typeof f.name === 'string' && (f.type === 'numeric'
      ? Array.isArray(f.bins?.edges) && f.bins.edges.every((e) => typeof e === 'number')
      : f.type === 'categorical' && Array.isArray(f.categories));
    if (!ok) throw new Error(`${where}: feature ${JSON.stringify((f as { name?: unknown })?.name)} has no usable bins or category table`);
  }
  return { ...p, outputs: Array.isArray(p.outputs) ? p.outputs : [] } as BaselineProfile;
}

/** Reads a profile file at startup; a bad file is a configuration error (fail fast). */
export function readBaselineFile(path: string): BaselineProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(ConfigErrorCode.baselineSource, 'baseline', `cannot read ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return checkProfile(JSON.parse(text), path);
  } catch (err) {
    throw new ConfigError(ConfigErrorCode.baselineSource, 'baseline', (err as Error).message);
  }
}

export interface CollectorPollOptions {
  source: Extract<BaselineSource, { kind: 'collector' }>;
  model: string;
  onProfile(profile: BaselineProfile): void;
  onError?(message: string): void;
  /** First retry delay; doubles up to maxDelayMs. */
  retryMs?: number;
  maxDelayMs?: number;
  /** After a profile is loaded, how often to look for a newly activated version. */
  refreshMs?: number;
  /** Extra fetch options, e.g. a dispatcher trusting the collector's CA (https collector). */
  fetchOptions?: Record<string, unknown>;
}

/**
 * Fetches the model's active baseline from the collector in the background: never blocks
 * serving, retries with backoff while the collector is down or has none, then re-checks for a
 * newly activated version. Timers are unref'ed; call the returned function to stop.
 */
export function pollCollectorBaseline(opts: CollectorPollOptions): () => void {
  const url = `${opts.source.url}/api/v1/models/${encodeURIComponent(opts.model)}/baselines/active`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.source.token) headers.authorization = `Bearer ${opts.source.token}`;
  const retryMs = opts.retryMs ?? 1000;
  const maxDelay = opts.maxDelayMs ?? 30_000;
  const refreshMs = opts.refreshMs ?? 60_000;
  let delay = retryMs;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: string | undefined;
  let controller: AbortController | undefined;

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(attempt, ms);
    timer.unref();
  };
  async function attempt(): Promise<void> {
    controller = new AbortController();
    const abortTimer = setTimeout(() => controller?.abort(), 10_000);
    abortTimer.unref();
    try {
      const res = await fetch(url, { ...opts.fetchOptions, headers, signal: controller.signal });
      if (res.status === 200) {
        const profile = checkProfile(await res.json(), url);
        if (profile.version === undefined || profile.version !== current) {
          current = profile.version;
          if (!stopped) opts.onProfile(profile);
        }
        delay = retryMs;
        schedule(refreshMs);
        return;
      }
      await res.body?.cancel();
      opts.onError?.(res.status === 404 ? `no active baseline for "${opts.model}" yet` : `collector answered ${res.status}`);
    } catch (err) {
      if (!stopped) opts.onError?.(`cannot fetch the baseline: ${(err as Error).message}`);
    } finally {
      clearTimeout(abortTimer);
    }
    schedule(delay);
    delay = Math.min(delay * 2, maxDelay);
  }
  schedule(0);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    controller?.abort();
  };
}

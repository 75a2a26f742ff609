/**
 * Batch scoring jobs get the same monitoring as live traffic: the counts of a scored file (inputs
 * and outputs, over the collector's active baseline bins) go to the collector as one pushed window,
 * exactly what an edge sidecar pushes (docs/edge-push.md). The window ends now, so it lands in the
 * collector's live windows, metrics, dashboards and alerts.
 *
 * The source id is a hash of the file's bytes and the sequence number 0: pushing the same file
 * again is recognised as a duplicate and never counted twice.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parseBaselineProfile, type BaselineProfile, type LiveWindow, type PushedWindow } from '@modelwatch/core';

export class PushError extends Error {}

function endpoint(collector: string, path: string): URL {
  let base: URL;
  try {
    base = new URL(collector);
  } catch {
    throw new PushError(`--collector: not a URL: "${collector}"`);
  }
  return new URL(path, base.href.endsWith('/') ? base : `${base.href}/`);
}

async function call(url: URL, init: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new PushError(`cannot reach the collector at ${url.origin} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, body: { error: text.slice(0, 200) } };
  }
}

/** The active baseline of `model` on the collector: the bins a pushed window must be counted on. */
export async function fetchActiveBaseline(collector: string, model: string, token?: string): Promise<BaselineProfile> {
  const url = endpoint(collector, `api/v1/models/${encodeURIComponent(model)}/baselines/active`);
  const { status, body } = await call(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (status !== 200) throw new PushError(`collector answered ${status} for the active baseline of "${model}": ${String(body.error ?? '')}`);
  return parseBaselineProfile(body);
}

export async function fileSource(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `batch:${hash.digest('hex').slice(0, 40)}`;
}

export async function pushWindow(
  collector: string,
  baseline: BaselineProfile,
  window: LiveWindow,
  rows: number,
  source: string,
  token?: string,
): Promise<'accepted' | 'duplicate'> {
  const now = new Date().toISOString();
  const push: PushedWindow = {
    source,
    seq: 0,
    model: baseline.model,
    ...(baseline.version !== undefined ? { baselineVersion: baseline.version } : {}),
    start: now,
    end: now,
    rows,
    features: window.features,
    outputs: window.outputs,
  };
  const url = endpoint(collector, `api/v1/models/${encodeURIComponent(baseline.model)}/windows`);
  const { status, body } = await call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(push),
  });
  if (status === 401 || status === 403) throw new PushError(`collector answered ${status}: ${String(body.error ?? '')} (pass --token or set MODELWATCH_TOKEN)`);
  if (status !== 202 && status !== 200) throw new PushError(`collector answered ${status}: ${String(body.error ?? '')}`);
  return body.status === 'duplicate' ? 'duplicate' : 'accepted';
}

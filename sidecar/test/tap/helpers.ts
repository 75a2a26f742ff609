import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningSidecar } from '@modelwatch/sidecar';

export async function scrape(sc: RunningSidecar): Promise<string> {
  return (await fetch(`${sc.url}/metrics`)).text();
}

/**
 * The series that describe the traffic itself: everything modelwatch_* except what is about the
 * process or the timing (durations differ between an inline hop and a tap), the info metric (its
 * `mode` differs) and the tap's own counters.
 */
export function trafficSeries(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('modelwatch_')
    && !l.startsWith('modelwatch_model_info')
    && !l.startsWith('modelwatch_tap_')
    // The routing's own state (its start time) differs between two sidecars, not the traffic.
    && !l.startsWith('modelwatch_rollout_last_event_timestamp_seconds')
    // Open connections are transport state (keep-alive sockets of each client), not traffic.
    && !l.startsWith('modelwatch_open_connections')
    && !/^modelwatch_(request|inference)_duration_seconds_(bucket|sum)/.test(l)).sort();
}

export interface LoggedEvent {
  id: string;
  kind: 'request' | 'response';
  body: string;
  time?: string;
  headers?: Record<string, string>;
}

/** Runs the KServe-logger fixture process: posts `events` to `url` in order, returns each post's answer. */
export async function postEvents(url: string, events: LoggedEvent[]): Promise<{ status: number; body: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-tap-'));
  try {
    const file = join(dir, 'events.json');
    writeFileSync(file, JSON.stringify(events));
    const script = fileURLToPath(new URL('./fixtures/kserve-logger.mjs', import.meta.url));
    const child = spawn(process.execPath, [script, url, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`kserve-logger exited with ${code}`);
    return JSON.parse(out) as { status: number; body: string }[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** promtool check metrics on an exposition text: '' and 0 when clean. */
export function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }));
    child.stdin!.end(text);
  });
}

/** Deterministic pseudo-random numbers (tests must not flake on the data they send). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

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
 * The series that describe the traffic itself: requests, errors, sizes, inputs and outputs. Left
 * out: timing (durations differ between an inline hop and a tap, their counts are kept), the info
 * metric (its `mode` differs) and the serving process's own state (connections, routing, tap).
 */
const TRAFFIC = /^modelwatch_(input_|output_|predictions_total|requests_total|request_errors_total|request_size_bytes|response_size_bytes|unmonitored_payloads_total|(request|inference)_duration_seconds_count)/;

export function trafficSeries(text: string): string[] {
  return text.split('\n').filter((l) => TRAFFIC.test(l)).sort();
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

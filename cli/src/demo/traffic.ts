import type { WeatherRow } from '@modelwatch/examples/seattle-weather';

/**
 * Replays days as production traffic: OIP v2 infer requests of `batch` rows, `concurrency` in
 * flight, paced to `rowsPerSecond`. A compressed clock: years of days in minutes.
 */
export interface ReplayOptions {
  url: string;
  model: string;
  days: WeatherRow[];
  rowsPerSecond: number;
  batch?: number;
  concurrency?: number;
  /** Loop over the days until stopped (default false: one pass). */
  loop?: boolean;
  onBatch?: (day: WeatherRow, status: number) => void;
  /** Every answered batch with the prediction id the sidecar gave it (ground truth is sent back by it). */
  onAnswer?: (days: WeatherRow[], predictionId: string | null) => void;
}

export interface Replay {
  /** Resolves when the pass ends or stop() is called. */
  done: Promise<ReplayStats>;
  stop(): void;
}

export interface ReplayStats {
  requests: number;
  rows: number;
  failures: number;
}

export function inferBody(rows: WeatherRow[]): string {
  return JSON.stringify({
    inputs: [{ name: 'input', shape: [rows.length, rows[0].features.length], datatype: 'FP32', data: rows.flatMap((r) => r.features) }],
  });
}

export function replay(o: ReplayOptions): Replay {
  const batch = o.batch ?? 1;
  const concurrency = o.concurrency ?? 4;
  const endpoint = `${o.url}/v2/models/${o.model}/infer`;
  const stats: ReplayStats = { requests: 0, rows: 0, failures: 0 };
  let stopped = false;
  let next = 0;
  const started = Date.now();

  async function worker() {
    while (!stopped) {
      if (next >= o.days.length) {
        if (!o.loop) return;
        next = 0;
      }
      const rows = o.days.slice(next, next + batch);
      next += rows.length;
      // Pace: the n-th row is due at n / rate seconds after the start.
      const due = started + ((stats.rows + rows.length) / o.rowsPerSecond) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopped) return;
      stats.rows += rows.length;
      stats.requests++;
      try {
        const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: inferBody(rows) });
        await res.arrayBuffer();
        if (!res.ok) stats.failures++;
        else o.onAnswer?.(rows, res.headers.get('x-modelwatch-prediction-id'));
        o.onBatch?.(rows[0], res.status);
      } catch {
        stats.failures++;
      }
    }
  }

  const done = Promise.all(Array.from({ length: concurrency }, worker)).then(() => stats);
  return {
    done,
    stop() {
      stopped = true;
    },
  };
}

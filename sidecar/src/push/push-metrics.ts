import { Label, SidecarSoftware } from '@modelwatch/core';
import { header } from '../metrics/exposition.js';
import type { PushStats } from './edge-pusher.js';

/**
 * The edge pusher's counters in Prometheus text exposition, for the sidecar's /metrics (the
 * sidecar stays scrapeable locally even when the collector is far away). `identity` is the
 * rendered model identity label set (`model="…",…`), built once at startup.
 */
export function renderPushMetrics(stats: PushStats, identity: string, out: string[]): void {
  const w = SidecarSoftware.pushWindows;
  out.push(header(w.name, 'counter', w.help));
  for (const [outcome, v] of [['sent', stats.sent], ['dropped', stats.dropped], ['rejected', stats.rejected]] as const) {
    out.push(`${w.name}{${identity},${Label.outcome}="${outcome}"} ${v}\n`);
  }
  const b = SidecarSoftware.pushBuffered;
  out.push(header(b.name, 'gauge', b.help), `${b.name}{${identity}} ${stats.buffered}\n`);
}

import { ALL_RECORDED_WINDOWS, RECORDED_WINDOW_INTERVAL, type RecordedWindowSeries } from '@modelwatch/core';
import { config } from '../config.js';
import type { RecordedWindowRule, RuleGroup } from '../rule.js';

/**
 * Cross-replica window series for the collector's `--windows-from recorded`: one rule per raw
 * series the collector reads, each `increase()`d per replica over exactly one rule interval and
 * then summed to the contract's labels. Increase-then-sum is what keeps a restarted or removed
 * replica from inflating a window (core/src/contract/recorded.ts says why).
 *
 * Cost: each evaluation reads every raw series once (replicas × features × bins); see
 * docs/performance.md for the figures and how to shard the evaluation (Mimir/Thanos ruler or a
 * Prometheus per shard plus a global one).
 */
export function windowRule(s: RecordedWindowSeries, interval: string = RECORDED_WINDOW_INTERVAL): RecordedWindowRule {
  const by = [...s.by, ...config.windows.extraKeptLabels].join(', ');
  return { record: s.record, expr: `sum by (${by}) (increase(${s.source}[${interval}]))` };
}

/**
 * The group. The range of `increase()` must equal the group interval: a shorter range loses counts
 * between evaluations, a longer one counts them twice when the collector sums the recorded values.
 * `interval` is a parameter only so tests can run the same rules faster than once a minute.
 */
export function windowRecording(interval: string = RECORDED_WINDOW_INTERVAL): RuleGroup {
  return { name: 'modelwatch-windows.rules', interval, rules: ALL_RECORDED_WINDOWS.map((s) => windowRule(s, interval)) };
}

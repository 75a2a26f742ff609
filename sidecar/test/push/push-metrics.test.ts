import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderPushMetrics } from '../../src/push/push-metrics.js';

const ID = 'model="weather",model_version="3",pipeline="forecast",stage="classify",variant="primary"';

describe('renderPushMetrics', () => {
  it('renders sent/dropped/rejected counters and the buffer gauge that promtool accepts', () => {
    const out: string[] = [];
    renderPushMetrics({ source: 's', buffered: 4, bufferedBytes: 900, dropped: 2, rejected: 1, sent: 17 }, ID, out);
    const text = out.join('');
    expect(text).toContain(`modelwatch_push_windows_total{${ID},outcome="sent"} 17\n`);
    expect(text).toContain(`modelwatch_push_windows_total{${ID},outcome="dropped"} 2\n`);
    expect(text).toContain(`modelwatch_push_windows_total{${ID},outcome="rejected"} 1\n`);
    expect(text).toContain(`modelwatch_push_buffered_windows{${ID}} 4\n`);
    // promtool prints lint problems and exits non-zero on any.
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
  });
});

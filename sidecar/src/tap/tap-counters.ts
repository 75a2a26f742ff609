import { Label, SidecarTap, TapOutcome, type TapOutcomeValue } from '@modelwatch/core';
import { header } from '../metrics/exposition.js';

const OUTCOMES = Object.values(TapOutcome);

/** Plain counters on the tap path (like SoftwareMetrics), rendered at scrape time. */
export class TapCounters {
  private readonly counts = new Map<TapOutcomeValue, number>(OUTCOMES.map((o) => [o, 0]));

  constructor(
    private readonly identity: string,
    private readonly pending: () => number,
  ) {}

  count(outcome: TapOutcomeValue, n = 1): void {
    this.counts.set(outcome, this.counts.get(outcome)! + n);
  }

  get(outcome: TapOutcomeValue): number {
    return this.counts.get(outcome)!;
  }

  render(out: string[]): void {
    const e = SidecarTap.tapEvents;
    out.push(header(e.name, 'counter', e.help));
    for (const o of OUTCOMES) out.push(`${e.name}{${this.identity},${Label.outcome}="${o}"} ${this.counts.get(o)}\n`);
    const p = SidecarTap.tapPending;
    out.push(header(p.name, 'gauge', p.help), `${p.name}{${this.identity}} ${this.pending()}\n`);
  }
}

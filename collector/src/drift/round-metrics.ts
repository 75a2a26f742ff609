import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CollectorHealth, type WindowQueryOutcomeValue } from '@modelwatch/core';

/**
 * The collector's own evaluation health at scale: how long rounds take, models skipped for the
 * round budget, what became of window queries, and its share of the models. Registered from core's
 * CollectorHealth descriptors into the collector's one registry.
 */
export class RoundMetrics {
  private readonly duration: Histogram;
  private readonly models: Counter;
  private readonly queries: Counter;
  private readonly leased: Gauge;
  private readonly live: Gauge;

  constructor(registry: Registry) {
    const d = CollectorHealth;
    this.duration = new Histogram({
      name: d.roundDuration.name,
      help: d.roundDuration.help,
      labelNames: [...d.roundDuration.labels],
      // A round is bounded by the interval (1m by default); the buckets resolve the 5 s goal.
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    });
    this.models = new Counter({ name: d.roundModels.name, help: d.roundModels.help, labelNames: [...d.roundModels.labels], registers: [registry] });
    this.queries = new Counter({ name: d.windowQueries.name, help: d.windowQueries.help, labelNames: [...d.windowQueries.labels], registers: [registry] });
    this.leased = new Gauge({ name: d.leasedModels.name, help: d.leasedModels.help, registers: [registry] });
    this.live = new Gauge({ name: d.liveCollectors.name, help: d.liveCollectors.help, registers: [registry] });
  }

  round(seconds: number, evaluated: number, overBudget: number): void {
    this.duration.observe(seconds);
    if (evaluated) this.models.inc({ outcome: 'evaluated' }, evaluated);
    if (overBudget) this.models.inc({ outcome: 'over_budget' }, overBudget);
  }

  query(outcome: WindowQueryOutcomeValue): void {
    this.queries.inc({ outcome });
  }

  share(leasedModels: number, liveCollectors: number): void {
    this.leased.set(leasedModels);
    this.live.set(liveCollectors);
  }
}

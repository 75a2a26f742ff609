import { Counter, type Registry } from 'prom-client';
import { CollectorHealth, Label, type MetricDescriptor } from '@modelwatch/core';
import type { AuthFailureReason } from './auth.js';

function counter(registry: Registry, d: MetricDescriptor): Counter {
  // One registry can back several apps in tests: reuse what is already registered.
  const existing = registry.getSingleMetric(d.name);
  if (existing) return existing as Counter;
  return new Counter({ name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] });
}

/** The collector's serving health (CollectorHealth in core's contract): 500s and refused tokens. */
export class HealthMetrics {
  private readonly internal: Counter;
  private readonly auth: Counter;
  private readonly tls: Counter;

  constructor(registry: Registry) {
    this.internal = counter(registry, CollectorHealth.internalErrors);
    this.auth = counter(registry, CollectorHealth.authFailures);
    this.tls = counter(registry, CollectorHealth.tlsReloads);
  }

  internalError(): void {
    this.internal.inc();
  }

  authFailure(reason: AuthFailureReason): void {
    this.auth.inc({ [Label.reason]: reason });
  }

  tlsReload(ok: boolean): void {
    this.tls.inc({ [Label.outcome]: ok ? 'success' : 'failure' });
  }
}

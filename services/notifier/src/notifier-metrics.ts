import { Counter, Histogram, type Registry } from 'prom-client';

/** What the notifier exposes at `/metrics`. */
export interface NotifierMetrics {
  readonly alertsIn: Counter<'outcome'>;
  readonly attempts: Counter<'channel' | 'outcome'>;
  readonly attemptSeconds: Histogram<'channel'>;
  readonly digests: Counter<'channel'>;
}

/** Reuses metrics already in `registry`, so a restarted notifier in one process keeps counting. */
function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createNotifierMetrics(registry: Registry): NotifierMetrics {
  const registers = [registry];
  return {
    alertsIn: metric(registry, 'pm_notifier_alerts_in_total', () => new Counter({ name: 'pm_notifier_alerts_in_total', help: 'Alert transitions received, by outcome (queued, unrouted, invalid)', labelNames: ['outcome'], registers })),
    attempts: metric(registry, 'pm_notifier_attempts_total', () => new Counter({ name: 'pm_notifier_attempts_total', help: 'Delivery attempts, by channel and outcome', labelNames: ['channel', 'outcome'], registers })),
    attemptSeconds: metric(registry, 'pm_notifier_attempt_seconds', () =>
      new Histogram({ name: 'pm_notifier_attempt_seconds', help: 'Webhook request latency', labelNames: ['channel'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
    ),
    digests: metric(registry, 'pm_notifier_digests_total', () => new Counter({ name: 'pm_notifier_digests_total', help: 'Digest messages sent in place of individual alerts', labelNames: ['channel'], registers })),
  };
}

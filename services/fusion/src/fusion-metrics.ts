import { Counter, type Registry } from 'prom-client';

/** Fusion's Prometheus metrics. */
export interface FusionMetrics {
  /** Bus events taken in, by type (score, telemetry, forecast, status, edge). */
  readonly eventsIn: Counter<'type'>;
  /** Bus events refused as invalid (terminated, never retried). */
  readonly rejected: Counter<'type'>;
  /** Raises skipped because their source event had been applied already (redeliveries), by event type. */
  readonly replays: Counter<'type'>;
  /** Alert transitions published, by target status. */
  readonly transitions: Counter<'to'>;
  /** Rule loads, by outcome (ok, invalid). */
  readonly ruleLoads: Counter<'outcome'>;
}

/** Registers fusion's metrics on `registry`. */
export function createFusionMetrics(registry: Registry): FusionMetrics {
  return {
    eventsIn: new Counter({ name: 'pm_fusion_events_in_total', help: 'Bus events received by fusion', labelNames: ['type'], registers: [registry] }),
    rejected: new Counter({ name: 'pm_fusion_rejected_total', help: 'Invalid bus events terminated by fusion', labelNames: ['type'], registers: [registry] }),
    replays: new Counter({ name: 'pm_fusion_replays_total', help: 'Raises skipped: their bus event had been applied before (a redelivery)', labelNames: ['type'], registers: [registry] }),
    transitions: new Counter({ name: 'pm_fusion_transitions_total', help: 'Alert transitions published', labelNames: ['to'], registers: [registry] }),
    ruleLoads: new Counter({ name: 'pm_fusion_rule_loads_total', help: 'Rule (re)loads by outcome', labelNames: ['outcome'], registers: [registry] }),
  };
}

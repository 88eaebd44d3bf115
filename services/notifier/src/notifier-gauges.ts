import { sql, type Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '@premonitor/db';
import { sampledGauge } from '@premonitor/http';
import type { EndpointBreaker } from './endpoint-breaker.js';

/** `pm_notifier_breaker_state` values: alert on `== 2`. */
const BREAKER_STATE = { closed: 0, halfOpen: 1, open: 2 } as const;

/**
 * The notifier's scrape-time gauges: the outbox backlog per channel and status (pending rows
 * still to deliver, dead rows waiting for an operator), from `notification_outbox`, and the
 * breaker state of each channel's endpoint (0 closed, 1 half-open, 2 open).
 */
export function registerNotifierGauges(registry: Registry, db: Kysely<Database>, breakers: ReadonlyMap<string, EndpointBreaker>): void {
  sampledGauge({
    registry,
    name: 'pm_notifier_outbox_backlog',
    help: 'Outbox rows per channel and status: pending (to deliver) and dead (given up, re-sendable)',
    labelNames: ['channel', 'status'],
    read: async () => {
      const { rows } = await sql<{ channel: string; status: string; n: number }>`
        select channel, status, count(*)::int as n from notification_outbox where status in ('pending', 'dead') group by 1, 2`.execute(db);
      const values = rows.map((r) => ({ labels: { channel: r.channel, status: r.status }, value: r.n }));
      // A drained channel reads 0, not "no data".
      for (const channel of breakers.keys()) {
        for (const status of ['pending', 'dead']) {
          if (!rows.some((r) => r.channel === channel && r.status === status)) values.push({ labels: { channel, status }, value: 0 });
        }
      }
      return values;
    },
  });
  sampledGauge({
    registry,
    name: 'pm_notifier_breaker_state',
    help: "State of the circuit breaker of each channel's endpoint: 0 closed, 1 half-open, 2 open",
    labelNames: ['channel'],
    read: () => [...breakers].map(([channel, breaker]) => ({ labels: { channel }, value: BREAKER_STATE[breaker.state] })),
  });
}

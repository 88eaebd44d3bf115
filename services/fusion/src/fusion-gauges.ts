import { sql, type Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '@premonitor/db';
import { sampledGauge } from '@premonitor/http';

/**
 * The alerts not resolved yet, by severity and status, counted at scrape time from `alerts`
 * (the partial unique index on unresolved alerts keeps this small however long the history).
 * Also the transitions still waiting in `alert_outbox`. Every replica reports the same
 * numbers: dashboards take `max`, not `sum`.
 */
export function registerFusionGauges(registry: Registry, db: Kysely<Database>): void {
  sampledGauge({
    registry,
    name: 'pm_fusion_open_alerts',
    help: 'Alerts not resolved, by severity and status (open, acknowledged), from the database at scrape time',
    labelNames: ['severity', 'status'],
    read: async () => {
      const { rows } = await sql<{ severity: string; status: string; n: number }>`
        select severity, status, count(*)::int as n from alerts where status <> 'resolved' group by 1, 2`.execute(db);
      return rows.map((r) => ({ labels: { severity: r.severity, status: r.status }, value: r.n }));
    },
  });
  sampledGauge({
    registry,
    name: 'pm_fusion_outbox_backlog',
    help: 'Alert transitions written and not yet published to the bus (alert_outbox rows)',
    read: async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from alert_outbox`.execute(db);
      return [{ labels: {}, value: rows[0]?.n ?? 0 }];
    },
  });
}

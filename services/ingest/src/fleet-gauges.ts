import { sql, type Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '@premonitor/db';
import { sampledGauge } from '@premonitor/http';

/**
 * The fleet as ingest last stored it, read from `devices` at scrape time: devices per site and
 * state, and the store-and-forward queue each agent reports in its retained status
 * (`queueDepth`, `dropped`), summed per site. Dead letters of the last hour come from
 * `dead_letters`, which every service writes (ingest prunes it), by source.
 */
export function registerFleetGauges(registry: Registry, db: Kysely<Database>): void {
  sampledGauge({
    registry,
    name: 'pm_fleet_devices',
    help: 'Devices known to ingest, by site and state (online, offline)',
    labelNames: ['site', 'state'],
    read: async () => {
      const { rows } = await sql<{ site: string; online: boolean; n: number }>`
        select site, online, count(*)::int as n from devices group by 1, 2`.execute(db);
      return rows.map((r) => ({ labels: { site: r.site, state: r.online ? 'online' : 'offline' }, value: r.n }));
    },
  });
  edgeStatusGauge(registry, db, 'pm_fleet_edge_queue_depth', 'queueDepth', "Records waiting in the edge agents' store-and-forward queues, as their last status reported, by site");
  edgeStatusGauge(registry, db, 'pm_fleet_edge_dropped', 'dropped', 'Records the edge agents evicted from full queues, as their last status reported, by site');
  sampledGauge({
    registry,
    name: 'pm_dead_letters_last_hour',
    help: 'Dead letters written in the last hour, by source (ingest, or the bus consumer that gave up)',
    labelNames: ['source'],
    read: async () => {
      const { rows } = await sql<{ source: string | null; n: number }>`
        select source, count(*)::int as n from dead_letters where time > now() - interval '1 hour' group by 1`.execute(db);
      return rows.map((r) => ({ labels: { source: r.source ?? 'ingest' }, value: r.n }));
    },
  });
}

/** A number every agent reports in its retained status (`field`), summed per site. */
function edgeStatusGauge(registry: Registry, db: Kysely<Database>, name: string, field: 'queueDepth' | 'dropped', help: string): void {
  sampledGauge({
    registry,
    name,
    help,
    labelNames: ['site'],
    read: async () => {
      const { rows } = await sql<{ site: string; n: number }>`
        select site, coalesce(sum((last_status->>${field})::numeric), 0)::float8 as n
          from devices where jsonb_typeof(last_status->${field}) = 'number' group by 1`.execute(db);
      return rows.map((r) => ({ labels: { site: r.site }, value: r.n }));
    },
  });
}

import type { Migration } from '@premonitor/db';

/**
 * Fusion applies each bus event at most once, however often the bus delivers it.
 *
 * A raise fusion applies (an alert opened, or the unresolved one counted) records the event
 * behind it here, in the same statement or transaction as its effect; a redelivered event
 * finds its key and changes nothing, so a crash between "transition written" and "ack" never
 * opens a second alert. Keyed per (device, rule) because one event can raise several rules.
 * Rows are pruned by `applied_at` (fusion's `FUSION_DEDUP_RETENTION_HOURS`), which a BRIN index
 * serves for almost nothing on the insert path: rows arrive in time order.
 */
export const fusionAppliedEvents: Migration = {
  name: '0012_fusion_applied_events',
  statements: [
    `create table if not exists fusion_applied_events (
      device_id text not null,
      rule text not null,
      source_event text not null,
      applied_at timestamptz not null,
      primary key (device_id, rule, source_event)
    )`,
    `create index if not exists fusion_applied_events_time_brin on fusion_applied_events using brin (applied_at)`,
  ],
};

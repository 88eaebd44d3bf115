import { serviceGrants, type Migration, type SchemaPart } from '@premonitor/db';

/** Alerts and their lifecycle events. */
const alerts: Migration = {
  name: 'fusion/0001_alerts',
  replaces: '0002_inference_and_alerts',
  statements: [
    `create table if not exists alerts (
      id bigserial primary key,
      device_id text not null,
      site text not null,
      rule text not null,
      severity text not null check (severity in ('CRITICAL', 'WARNING', 'INFO')),
      status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
      source text not null default 'core' check (source in ('core', 'edge')),
      title text not null,
      first_seen timestamptz not null,
      last_seen timestamptz not null,
      count integer not null default 1,
      peak_score double precision,
      details jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      resolved_at timestamptz
    )`,
    // An alert already open for (device, rule) is updated, never duplicated.
    `create unique index if not exists alerts_one_active on alerts (device_id, rule) where status <> 'resolved'`,
    `create index if not exists alerts_status_seen_idx on alerts (status, severity, last_seen desc)`,
    `create index if not exists alerts_site_seen_idx on alerts (site, last_seen desc)`,
    `create table if not exists alert_events (
      id bigserial primary key,
      alert_id bigint not null references alerts (id) on delete cascade,
      time timestamptz not null default now(),
      from_status text check (from_status in ('open', 'acknowledged', 'resolved')),
      to_status text not null check (to_status in ('open', 'acknowledged', 'resolved')),
      actor text not null,
      note text
    )`,
    `create index if not exists alert_events_alert_idx on alert_events (alert_id, time)`,
  ],
};

/** The analysts' view of alerts per day (libs/db/README.md). */
const alertsDaily: Migration = {
  name: 'fusion/0002_alerts_daily_view',
  replaces: '0004_analyst_views',
  statements: [
    `create or replace view v_alerts_daily as
      select date_trunc('day', a.first_seen) as day,
             a.site,
             a.severity,
             count(*) as opened,
             count(*) filter (where a.status <> 'resolved') as still_open
        from alerts a
       group by 1, 2, 3`,
  ],
};

/** Fusion: rule overrides kept as data, and the outbox of alert transitions still to publish. */
const rulesAndOutbox: Migration = {
  name: 'fusion/0003_rules_and_outbox',
  replaces: '0005_fusion',
  statements: [
    // '' means "every": ('', '', id) patches a default rule fleet-wide, (site, '', id) one site,
    // (site, device, id) one device. `definition` is a rule or a partial rule (validated on load).
    `create table if not exists fusion_rules (
      site text not null default '',
      device text not null default '',
      rule_id text not null,
      definition jsonb not null,
      updated_at timestamptz not null default now(),
      primary key (site, device, rule_id)
    )`,
    // Written in the same transaction as the alert_events row, deleted once published: a crash
    // between the database write and the bus publish leaves the transition here, not lost.
    `create table if not exists alert_outbox (
      event_id bigint primary key references alert_events (id) on delete cascade,
      subject text not null,
      payload jsonb not null,
      created_at timestamptz not null default now()
    )`,
  ],
};

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
const appliedEvents: Migration = {
  name: 'fusion/0004_applied_events',
  replaces: '0012_fusion_applied_events',
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

/**
 * An engineer's verdict on an alert: one current row per alert, replaced by a later verdict.
 * Every verdict is also an `alert_events` row (status unchanged, note `feedback: …`), so the
 * history stays with the alert's other events.
 */
const alertFeedback: Migration = {
  name: 'fusion/0005_alert_feedback',
  statements: [
    `create table if not exists alert_feedback (
      alert_id bigint primary key references alerts (id) on delete cascade,
      verdict text not null check (verdict in ('true_fault', 'false_alarm')),
      note text,
      actor text not null,
      at timestamptz not null
    )`,
  ],
};

/**
 * Fusion replicas share the devices by partition (FUSION_PARTITIONS): one lease row per
 * partition says which replica consumes it and until when; one heartbeat row per replica lets
 * each take its fair share. See partition-leases.ts.
 */
const partitionLeases: Migration = {
  name: 'fusion/0006_partition_leases',
  statements: [
    `create table if not exists fusion_partition_leases (
      partition_count integer not null check (partition_count >= 1),
      partition integer not null check (partition >= 0 and partition < partition_count),
      owner text,
      lease_until timestamptz,
      primary key (partition_count, partition)
    )`,
    `create table if not exists fusion_replicas (
      replica text primary key,
      partition_count integer not null,
      seen_until timestamptz not null
    )`,
  ],
};

/** Fusion's role on its tables (no access to readings, scores or the notifier's outbox); the notifier reads alerts. */
const serviceRoles = serviceGrants('fusion/0007_service_roles', {
  fusion: [
    'select, insert, update on alerts',
    'select, insert on alert_events',
    'select, insert, delete on alert_outbox',
    'select on fusion_rules',
    'select, insert, delete on fusion_applied_events',
    'select, insert, update on alert_feedback',
    'select, insert, update on fusion_partition_leases',
    'select, insert, update, delete on fusion_replicas',
    'usage on sequence alerts_id_seq, alert_events_id_seq',
  ],
  notifier: ['select on alerts'],
});

/** Fusion's tables: `alerts`, `alert_events`, `alert_feedback`, `fusion_rules`, `alert_outbox`, `fusion_applied_events`, `fusion_partition_leases`, `fusion_replicas`, and the view `v_alerts_daily`. */
export const FUSION_SCHEMA: SchemaPart = {
  owner: 'fusion',
  after: ['core'],
  migrations: [alerts, alertsDaily, rulesAndOutbox, appliedEvents, alertFeedback, partitionLeases, serviceRoles],
};

import { serviceGrants, type Migration, type SchemaPart } from '@premonitor/db';

/** Devices and their telemetry readings. */
const devicesAndReadings: Migration = {
  name: 'ingest/0001_devices_and_readings',
  replaces: '0001_core_tables',
  statements: [
    `create table if not exists devices (
      id text primary key,
      site text not null,
      device text not null,
      first_seen timestamptz not null,
      last_seen timestamptz not null,
      online boolean not null default false,
      status_changed_at timestamptz not null,
      last_status jsonb,
      last_seq bigint
    )`,
    `create index if not exists devices_site_idx on devices (site, device)`,
    // No primary key and no foreign key: a hypertable's unique indexes must contain `time`,
    // and an FK to devices would order ingest's writes and slow every insert. The dedup key
    // is (device, key, seq, time) with time placed before seq, so this one btree also serves
    // "a device's key over a time range" (scanned backwards for newest first); a second
    // index on (device_id, key, time) would roughly double the per-row insert cost.
    `create table if not exists readings (
      time timestamptz not null,
      device_id text not null,
      key text not null,
      value double precision not null,
      seq bigint not null,
      constraint readings_dedup unique (device_id, key, time, seq)
    )`,
    // BRIN is tiny and makes fleet-wide time ranges ("last hour") cheap on plain tables.
    `create index if not exists readings_time_brin on readings using brin (time)`,
  ],
};

/**
 * `v_device_health`, with `recent` (`… as n from …`) counting a device's readings of the last
 * hour. One aggregate per source table (a BRIN/time range scan for the whole fleet) rather than
 * a subquery per device; a filter on device_id is pushed down into both aggregates.
 */
function deviceHealthView(recent: string): string {
  return `create or replace view v_device_health as
      with recent as (
             select device_id, ${recent}
              where time > now() - interval '1 hour' group by device_id),
           rejected as (
             select device_id, count(*) as n from dead_letters
              where time > now() - interval '24 hours' and device_id is not null group by device_id)
      select d.id as device_id,
             d.site,
             d.device,
             d.online,
             d.last_seen,
             d.status_changed_at,
             coalesce(r.n, 0) as readings_last_hour,
             coalesce(x.n, 0) as dead_letters_24h
        from devices d
        left join recent r on r.device_id = d.id
        left join rejected x on x.device_id = d.id`;
}

/** The analysts' view of device health (readings and dead letters per device; libs/db/README.md). */
const deviceHealth: Migration = {
  name: 'ingest/0002_device_health_view',
  replaces: '0004_analyst_views',
  statements: [deviceHealthView('count(*) as n from readings')],
};

/**
 * Telemetry is deduplicated per message instead of per reading.
 *
 * `readings_dedup unique (device_id, key, time, seq)` made every reading row an `on conflict`
 * speculative insert into a wide text btree: about three times the server CPU of the row
 * itself. A redelivered message repeats all its readings at once, so one narrow row per
 * message in `telemetry_messages` (inserted `on conflict do nothing returning`, in the same
 * statement that inserts the readings of only the new messages) keeps the guarantee at a
 * tenth of the unique checks; `readings` keeps a plain (device_id, key, time) btree for the
 * per-device, per-key time-range queries the old constraint served. The analyst-facing shape
 * `readings (time, device_id, key, value, seq)` is unchanged.
 */
const messageLevelDedup: Migration = {
  name: 'ingest/0003_message_level_dedup',
  replaces: '0007_message_level_dedup',
  statements: [
    `create table if not exists telemetry_messages (
      device_id text not null,
      seq bigint not null,
      time timestamptz not null,
      constraint telemetry_messages_pkey primary key (device_id, seq, time)
    )`,
    // Messages already stored must stay duplicates after the switch.
    `insert into telemetry_messages (device_id, seq, time)
      select distinct device_id, seq, time from readings
      on conflict do nothing`,
    `create index if not exists readings_device_key_time_idx on readings (device_id, key, time)`,
    `alter table readings drop constraint if exists readings_dedup`,
  ],
};

/** Ingest's role: devices, readings and message keys; nothing of the alert tables. */
const serviceRoles = serviceGrants('ingest/0004_service_roles', {
  ingest: ['select, insert, update on devices', 'select, insert on readings', 'select, insert on telemetry_messages'],
});

/** Readers of ingest's tables: forecasting (readings, devices), model-sync and retraining (devices). */
const readerRoles = serviceGrants('ingest/0005_reader_service_roles', {
  forecasting: ['select on readings, devices'],
  'model-sync': ['select on devices'],
  retraining: ['select on devices'],
});

/**
 * One row per telemetry message instead of one per reading; `readings` becomes a view.
 *
 * Ten reading rows per message (heap tuple, btree entry and BRIN upkeep each) plus a dedup key
 * in `telemetry_messages` made PostgreSQL the most expensive part of ingest. `telemetry`
 * holds a message's readings as parallel arrays (`keys`, `vals`); its primary key
 * (device_id, time, seq) is the per-message dedup and, with time before seq, also serves a
 * device's readings over a time range. The view `readings (time, device_id, key, value, seq)`
 * unnests it, so analysts, Grafana, the read API and forecasting query what they always did;
 * a filter on device_id and time reaches the primary key through the view. Rows written
 * before are moved (a message's readings grouped back into one row) and the old tables
 * dropped; the block does nothing once `readings` is a view.
 */
const oneRowPerMessage: Migration = {
  name: 'ingest/0006_one_row_per_message',
  statements: [
    `create table if not exists telemetry (
      time timestamptz not null,
      device_id text not null,
      seq bigint not null,
      keys text[] not null,
      vals double precision[] not null,
      constraint telemetry_pkey primary key (device_id, time, seq),
      constraint telemetry_one_value_per_key check (cardinality(keys) = cardinality(vals))
    )`,
    // Fleet-wide time ranges ("last hour") on a plain table; tiny and nearly free to maintain.
    `create index if not exists telemetry_time_brin on telemetry using brin (time)`,
    `do $$
    begin
      if not exists (select 1 from pg_views where schemaname = current_schema() and viewname = 'readings') then
        insert into telemetry (time, device_id, seq, keys, vals)
          select time, device_id, seq, array_agg(key order by key), array_agg(value order by key)
            from readings group by device_id, time, seq
          on conflict do nothing;
        drop view if exists v_device_health;
        drop table readings;
        drop table if exists telemetry_messages;
        create view readings as
          select t.time, t.device_id, r.key, r.value, t.seq
            from telemetry t cross join lateral unnest(t.keys, t.vals) as r(key, value);
      end if;
    end $$`,
    // As ingest/0002, counting readings from the messages' arrays instead of reading rows.
    deviceHealthView('sum(cardinality(keys)) as n from telemetry'),
  ],
};

/**
 * The grants on the tables 0006 replaced went with them: ingest writes `telemetry` and serves
 * `readings` (read API); forecasting reads both (a sensor's series straight from `telemetry`).
 * A view is read with its owner's rights on `telemetry`, so other readers need the view only. The read-only role has both through
 * core/0004's default privileges (objects created later by the migrating user).
 */
const oneRowPerMessageRoles = serviceGrants('ingest/0007_one_row_per_message_roles', {
  ingest: ['select, insert on telemetry', 'select on readings'],
  forecasting: ['select on readings, telemetry'],
});

/** Ingest's tables: `devices`, `telemetry` (the view `readings` over it), and the view `v_device_health`. */
export const INGEST_SCHEMA: SchemaPart = {
  owner: 'ingest',
  after: ['core'],
  migrations: [devicesAndReadings, deviceHealth, messageLevelDedup, serviceRoles, readerRoles, oneRowPerMessage, oneRowPerMessageRoles],
};

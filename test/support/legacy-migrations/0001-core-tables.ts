import type { Migration } from '@premonitor/db';

/** Devices, telemetry readings and dead letters: what ingest writes. */
export const coreTables: Migration = {
  name: '0001_core_tables',
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

    `create table if not exists dead_letters (
      id bigserial primary key,
      time timestamptz not null default now(),
      topic text not null,
      device_id text,
      reason text not null,
      payload bytea not null,
      payload_bytes integer not null check (payload_bytes >= 0)
    )`,
    `create index if not exists dead_letters_time_idx on dead_letters (time desc)`,
    `create index if not exists dead_letters_device_time_idx on dead_letters (device_id, time desc)`,
  ],
};

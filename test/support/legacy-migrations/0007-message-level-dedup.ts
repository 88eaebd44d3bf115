import type { Migration } from '@premonitor/db';

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
export const messageLevelDedup: Migration = {
  name: '0007_message_level_dedup',
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

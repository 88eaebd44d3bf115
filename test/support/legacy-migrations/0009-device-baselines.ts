import type { Migration } from '@premonitor/db';

/**
 * Per-device healthy baselines (models/README.md, "Per-device baselines"). A device enrolls
 * once per model version: its accepted enrollment samples are kept in `baseline_samples`
 * (so a restart, or another replica, carries on where the enrollment was), and the fitted
 * baseline — the `baseline` model input, float32 little-endian — in `device_baselines`.
 * `scores.reference` says what each score compared the frame with: `device` or `fleet`.
 * `accept_all`: an engineer confirmed the machine is healthy, so enrollment takes its frames
 * even where the fleet model finds them anomalous (a machine unlike the training fleet).
 *
 * `scores.reference` is nullable without a default, as in 0008: rows stored before keep null,
 * and TimescaleDB accepts the column on a hypertable with compressed chunks.
 */
export const deviceBaselines: Migration = {
  name: '0009_device_baselines',
  statements: [
    `create table if not exists device_baselines (
      device_id text not null,
      kind text not null,
      model_version text not null,
      status text not null check (status in ('enrolling', 'ready')),
      method text not null,
      frames integer not null check (frames > 0),
      accepted integer not null default 0,
      rejected integer not null default 0,
      accept_all boolean not null default false,
      baseline bytea,
      last_sample_at timestamptz,
      started_at timestamptz not null default now(),
      ready_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (device_id, kind, model_version),
      check ((status = 'ready') = (baseline is not null))
    )`,
    `create table if not exists baseline_samples (
      device_id text not null,
      kind text not null,
      model_version text not null,
      time timestamptz not null,
      row_index integer not null,
      fleet_score real not null,
      embedding bytea not null,
      primary key (device_id, kind, model_version, time, row_index)
    )`,
    `alter table scores add column if not exists reference text`,
  ],
};

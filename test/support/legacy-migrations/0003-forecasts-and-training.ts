import type { Migration } from '@premonitor/db';

/** Forecasts, training runs and labelled samples. */
export const forecastsAndTraining: Migration = {
  name: '0003_forecasts_and_training',
  statements: [
    // The dedup btree also serves "the latest forecast of a device's key" (see readings).
    `create table if not exists forecasts (
      time timestamptz not null,
      device_id text not null,
      key text not null,
      step integer not null check (step >= 1),
      target_time timestamptz not null,
      predicted double precision not null,
      lower double precision,
      upper double precision,
      model_version text not null,
      constraint forecasts_dedup unique (device_id, key, time, step)
    )`,

    `create table if not exists training_runs (
      id bigserial primary key,
      kind text not null,
      scope text not null default '',
      status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      params jsonb not null default '{}',
      metrics jsonb,
      data_fingerprint text,
      model_version text,
      error text
    )`,
    // "Training already running for that pair" is then a unique violation, not a race.
    `create unique index if not exists training_runs_one_running on training_runs (kind, scope) where status = 'running'`,
    `create index if not exists training_runs_kind_started_idx on training_runs (kind, scope, started_at desc)`,

    `create table if not exists samples (
      id bigserial primary key,
      time timestamptz not null default now(),
      device_id text,
      kind text not null,
      label text not null,
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      size bigint not null check (size >= 0),
      metadata jsonb,
      training_run_id bigint references training_runs (id) on delete set null,
      constraint samples_content unique (kind, sha256)
    )`,
    `create index if not exists samples_kind_label_idx on samples (kind, label, time desc)`,
  ],
};

import { serviceGrants, type Migration, type SchemaPart } from '@premonitor/db';

/** Forecasts, training runs and labelled samples. */
const forecastsAndTraining: Migration = {
  name: 'forecasting/0001_forecasts_and_training',
  replaces: '0003_forecasts_and_training',
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

/**
 * Each stored forecast carries the risk it was published with (the same on each of its step
 * rows), so a restarted forecasting service knows the level it last announced for a pair and
 * does not announce a pair that is still high as a new rise.
 *
 * Nullable without a default: rows stored before keep null, and TimescaleDB accepts such a
 * column on a hypertable whose chunks are compressed (a check constraint it would not).
 */
const forecastRisk: Migration = {
  name: 'forecasting/0002_forecast_risk',
  replaces: '0008_forecast_risk',
  statements: [
    `alter table forecasts add column if not exists risk_level text`,
    `alter table forecasts add column if not exists risk_score double precision`,
  ],
};

/** Forecasting's role on its tables; retraining fills and reads `samples` (created here, see retraining's schema). */
const serviceRoles = serviceGrants('forecasting/0003_service_roles', {
  forecasting: ['select, insert on forecasts', 'select, insert, update on training_runs', 'usage on sequence training_runs_id_seq'],
  retraining: ['select, insert on samples', 'usage on sequence samples_id_seq'],
});

/** Forecasting's tables: `forecasts`, `training_runs`, `samples`. */
export const FORECASTING_SCHEMA: SchemaPart = {
  owner: 'forecasting',
  after: ['core'],
  migrations: [forecastsAndTraining, forecastRisk, serviceRoles],
};

import { serviceGrants, type Migration, type SchemaPart } from '@premonitor/db';

/** Anomaly scores. */
const scores: Migration = {
  name: 'inference/0001_scores',
  replaces: '0002_inference_and_alerts',
  statements: [
    // time before seq: the dedup btree also serves a device's scores over a time range (see readings).
    `create table if not exists scores (
      time timestamptz not null,
      device_id text not null,
      kind text not null,
      score double precision not null,
      model_version text not null,
      latency_ms real,
      seq bigint not null,
      constraint scores_dedup unique (device_id, kind, time, seq)
    )`,
    `create index if not exists scores_time_brin on scores using brin (time)`,
  ],
};

/**
 * Per-device healthy baselines (models/README.md, "Per-device baselines"). A device enrolls
 * once per model version: its accepted enrollment samples are kept in `baseline_samples`
 * (so a restart, or another replica, carries on where the enrollment was), and the fitted
 * baseline — the `baseline` model input, float32 little-endian — in `device_baselines`.
 * `scores.reference` says what each score compared the frame with: `device` or `fleet`.
 * `accept_all`: an engineer confirmed the machine is healthy, so enrollment takes its frames
 * even where the fleet model finds them anomalous (a machine unlike the training fleet).
 *
 * `scores.reference` is nullable without a default, as in `forecasting/0002_forecast_risk`: rows stored before keep null,
 * and TimescaleDB accepts the column on a hypertable with compressed chunks.
 */
const deviceBaselines: Migration = {
  name: 'inference/0002_device_baselines',
  replaces: '0009_device_baselines',
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

/**
 * Commissioning enrollment (issue 13): `marked_faulty_at` / `faulty_note` — an engineer said
 * the machine is faulty, so it does not enroll (and its samples are gone) until a reset or
 * `enroll` after the repair; `frames_seen` — every frame the device sent from its first
 * enrollment sample on (accepted or not), so the device's own frame rate is known when its
 * threshold is set for a number of false alarms per day.
 */
const commissioning: Migration = {
  name: 'inference/0003_commissioning',
  statements: [
    `alter table device_baselines add column if not exists marked_faulty_at timestamptz`,
    `alter table device_baselines add column if not exists faulty_note text`,
    `alter table device_baselines add column if not exists frames_seen integer`,
  ],
};

/** Inference's tables: `scores`, `device_baselines`, `baseline_samples`. */
/**
 * Recent frames per device (issue 14): the ones behind an alert become labelled samples when an
 * engineer gives a verdict. Bounded by count per device and by age (services/inference/README.md).
 */
const recentFrames: Migration = {
  name: 'inference/0004_recent_frames',
  statements: [
    `create table if not exists recent_frames (
      id bigserial primary key,
      device_id text not null,
      kind text not null,
      seq bigint not null,
      time timestamptz not null,
      score double precision not null,
      why text not null check (why in ('high', 'sample')),
      payload bytea not null,
      stored_at timestamptz not null,
      constraint recent_frames_dedup unique (device_id, kind, time, seq)
    )`,
    `create index if not exists recent_frames_age_idx on recent_frames (kind, stored_at)`,
  ],
};

/** Inference's role on its tables; ingest reads the scores (its device read API serves them). */
const serviceRoles = serviceGrants('inference/0005_service_roles', {
  inference: [
    'select, insert on scores',
    'select, insert, update, delete on device_baselines, baseline_samples',
    'select, insert, delete on recent_frames',
    'usage on sequence recent_frames_id_seq',
  ],
  ingest: ['select on scores'],
});

/**
 * Telemetry scoring writes its scores here (kind `telemetry`, `vibration`), with SELECT too: the
 * score store skips a redelivered score by its conflict target, which PostgreSQL allows only to
 * a role that may read those columns. Forecasting reads scores for risk, retraining the recent
 * frames for feedback samples.
 */
const otherServiceRoles = serviceGrants('inference/0006_other_service_roles', {
  'telemetry-scoring': ['select, insert on scores'],
  forecasting: ['select on scores'],
  retraining: ['select on recent_frames'],
});

export const INFERENCE_SCHEMA: SchemaPart = {
  owner: 'inference',
  after: ['core'],
  migrations: [scores, deviceBaselines, commissioning, recentFrames, serviceRoles, otherServiceRoles],
};

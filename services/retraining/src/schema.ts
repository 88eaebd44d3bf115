import { serviceGrants, type Migration, type SchemaPart } from '@premonitor/db';

/**
 * The `samples` table was created empty by forecasting's first migration (it came from the
 * former single migration list); retraining is the module that fills and reads it, so the
 * columns an upload needs are added here rather than by editing that migration.
 */
const sampleUploads: Migration = {
  name: 'retraining/0001_sample_uploads',
  statements: [
    `alter table samples add column if not exists fault_class text`,
    `alter table samples add column if not exists format text`,
    `alter table samples add column if not exists filename text`,
    `alter table samples add column if not exists note text`,
    `alter table samples add column if not exists uploaded_by text`,
    `create index if not exists samples_kind_device_idx on samples (kind, device_id, time desc)`,
  ],
};

/**
 * Retraining runs. A running run is the lease on its kind: the partial unique index makes a
 * second start for the same kind a unique violation on any replica, and `lease_expires_at`
 * (renewed by the owner while it trains) lets another replica mark a run whose process died
 * as failed and free the kind.
 */
const retrainingRuns: Migration = {
  name: 'retraining/0002_retraining_runs',
  statements: [
    `create table if not exists retraining_runs (
      id bigserial primary key,
      kind text not null,
      status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'cancelled')),
      reason text not null,
      trigger text not null default 'manual',
      params jsonb not null default '{}',
      lease_owner text not null,
      lease_expires_at timestamptz not null,
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      progress jsonb,
      result jsonb,
      candidate_version text,
      error text
    )`,
    `create unique index if not exists retraining_runs_one_running on retraining_runs (kind) where status = 'running'`,
    `create index if not exists retraining_runs_kind_started_idx on retraining_runs (kind, started_at desc)`,
  ],
};

/**
 * The expert-scored maintenance reports the triage model trains on (POST /api/v1/triage/train),
 * one row per anomaly id: a later score of the same id replaces the earlier one. `seq` keeps the
 * order ids first arrived in, so the same records always train the same model.
 */
const triageRecords: Migration = {
  name: 'retraining/0003_triage_records',
  statements: [
    `create table if not exists triage_records (
      anomaly_id text primary key,
      description text not null,
      equipment_name text,
      equipment_id text,
      availability_score smallint not null check (availability_score between 1 and 5),
      fiability_score smallint not null check (fiability_score between 1 and 5),
      process_safety_score smallint not null check (process_safety_score between 1 and 5),
      run_id bigint,
      seq bigserial not null,
      updated_at timestamptz not null default now()
    )`,
  ],
};

/**
 * The model watch: each model's reference score distribution (drift and rollout compare live
 * scores with it) and input-feature distributions (drift compares the frames' input statistics), and one row per rollout watch after a promotion — its outcome is the record
 * of an automatic rollback. The partial unique index keeps one watch per kind at a time.
 */
const modelWatch: Migration = {
  name: 'retraining/0004_model_watch',
  statements: [
    `create table if not exists model_score_references (
      kind text not null,
      version text not null,
      source text not null check (source in ('held-out', 'live')),
      edges jsonb not null,
      shares jsonb not null,
      over_rate double precision not null,
      count integer not null check (count > 0),
      created_at timestamptz not null default now(),
      primary key (kind, version)
    )`,
    `create table if not exists model_input_references (
      kind text not null,
      version text not null,
      feature text not null,
      edges jsonb not null,
      shares jsonb not null,
      count integer not null check (count > 0),
      created_at timestamptz not null default now(),
      primary key (kind, version, feature)
    )`,
    `create table if not exists model_rollouts (
      id bigserial primary key,
      kind text not null,
      version text not null,
      previous_version text,
      started_at timestamptz not null,
      ends_at timestamptz not null,
      status text not null default 'watching' check (status in ('watching', 'passed', 'rolled_back', 'superseded')),
      frames integer not null default 0,
      decision jsonb,
      decided_at timestamptz
    )`,
    `create unique index if not exists model_rollouts_one_watching on model_rollouts (kind) where status = 'watching'`,
    `create index if not exists model_rollouts_kind_started_idx on model_rollouts (kind, started_at desc)`,
  ],
};

/**
 * Maintenance reports on alerts and devices (issue 18). `submission_id` makes a redelivered
 * `pm.reports.submitted` a no-op; the (site, time) index serves the site-filtered list.
 */
const maintenanceReports: Migration = {
  name: 'retraining/0005_maintenance_reports',
  statements: [
    `create table if not exists maintenance_reports (
      id bigserial primary key,
      site text not null,
      device_id text not null,
      alert_id bigint,
      submission_id uuid unique,
      text text not null,
      equipment_name text,
      equipment_id text,
      author text not null,
      created_at timestamptz not null default now(),
      scores jsonb,
      model_version text,
      scored_at timestamptz,
      correction jsonb
    )`,
    `create index if not exists maintenance_reports_site_idx on maintenance_reports (site, created_at desc)`,
    `create index if not exists maintenance_reports_alert_idx on maintenance_reports (alert_id) where alert_id is not null`,
  ],
};

/**
 * Retraining's role on its tables: runs (the lease is an update), triage records (a later score
 * replaces one; a retrain from scratch deletes them), the model watch's references and rollouts,
 * maintenance reports (scored and corrected after arrival).
 * What it reads of others' tables is granted in their parts (samples, recent frames, devices, registry).
 */
const serviceRoles = serviceGrants('retraining/0006_service_roles', {
  retraining: [
    'select, insert, update on retraining_runs, model_rollouts, model_score_references, maintenance_reports',
    'select, insert, update, delete on triage_records',
    'select, insert on model_input_references',
    'usage on sequence retraining_runs_id_seq, model_rollouts_id_seq, triage_records_seq_seq, maintenance_reports_id_seq',
  ],
});

/**
 * The drift monitor's sliding windows and verdicts (issue 14, item 7): in the database rather
 * than one process's memory, so they survive a restart and every replica judges the same window
 * and only one publishes a change (a conditional update of `drifting`). The window index serves
 * "the latest N of a device"; the monitor deletes what is older (the retention bound).
 */
const driftWindows: Migration = {
  name: 'retraining/0007_drift_windows',
  statements: [
    `create table if not exists model_drift_samples (
      id bigserial primary key,
      kind text not null,
      version text not null,
      device_id text not null,
      score double precision not null,
      level double precision,
      spread double precision,
      at timestamptz not null
    )`,
    `create index if not exists model_drift_samples_window_idx on model_drift_samples (kind, device_id, id desc)`,
    `create table if not exists model_drift_devices (
      kind text not null,
      device_id text not null,
      site text not null,
      device text not null,
      version text not null,
      window_size integer not null,
      psi double precision,
      js_distance double precision,
      input_psi jsonb not null default '{}',
      drifting boolean not null default false,
      evaluated_at timestamptz,
      primary key (kind, device_id)
    )`,
  ],
};

const driftWindowRoles = serviceGrants('retraining/0008_drift_window_roles', {
  retraining: ['select, insert, delete on model_drift_samples', 'select, insert, update, delete on model_drift_devices', 'usage on sequence model_drift_samples_id_seq'],
});

/** An acoustic clip's band shares beside its level statistics in the drift window (the spectral input drift). */
const driftWindowBands: Migration = {
  name: 'retraining/0009_drift_window_bands',
  statements: [`alter table model_drift_samples add column if not exists bands jsonb`],
};

/**
 * A score delivered twice (the bus is at-least-once; a restarted or another replica gets what was
 * not acknowledged) is one sample: the frame's seq and time identify it within its device.
 */
const driftSampleIdentity: Migration = {
  name: 'retraining/0010_drift_sample_identity',
  statements: [
    `alter table model_drift_samples add column if not exists seq bigint`,
    `create unique index if not exists model_drift_samples_frame_idx on model_drift_samples (kind, device_id, version, seq, at)`,
  ],
};

/**
 * The rollout watch's tallies and the live references being learned (issue 14, item 5 across
 * replicas): in the database rather than one process's memory, so every replica counts into and
 * judges the same watch, a restart continues it, and the frames that fix a model's live reference
 * come from all replicas. `rollback_claimed_at` is the conditional update by which exactly one
 * replica decides (and publishes) a rollback.
 */
const rolloutTallies: Migration = {
  name: 'retraining/0011_rollout_tallies',
  statements: [
    `alter table model_rollouts add column if not exists rollback_claimed_at timestamptz`,
    `create table if not exists model_rollout_devices (
      rollout_id bigint not null references model_rollouts (id),
      device_id text not null,
      site text not null,
      device text not null,
      frames integer not null default 0,
      over integer not null default 0,
      primary key (rollout_id, device_id)
    )`,
    `create table if not exists model_rollout_bins (
      rollout_id bigint not null references model_rollouts (id),
      bin integer not null,
      count integer not null default 0,
      primary key (rollout_id, bin)
    )`,
    `create table if not exists model_reference_samples (
      id bigserial primary key,
      kind text not null,
      version text not null,
      score double precision not null,
      level double precision,
      spread double precision
    )`,
    `create index if not exists model_reference_samples_version_idx on model_reference_samples (kind, version, id)`,
  ],
};

const rolloutTallyRoles = serviceGrants('retraining/0012_rollout_tally_roles', {
  retraining: ['select, insert, update on model_rollout_devices, model_rollout_bins', 'select, insert, delete on model_reference_samples', 'usage on sequence model_reference_samples_id_seq'],
});

/**
 * A frame counted into a rollout watch, by its identity (the score event's device, `seq` and
 * `ts`): the bus delivers at least once, so a frame redelivered to this or another replica must
 * not count twice. Rows live while their watch is open.
 */
const rolloutFrames: Migration = {
  name: 'retraining/0013_rollout_frames',
  statements: [
    `create table if not exists model_rollout_frames (
      rollout_id bigint not null references model_rollouts (id),
      device_id text not null,
      seq bigint not null,
      ts bigint not null,
      primary key (rollout_id, device_id, seq, ts)
    )`,
  ],
};

const rolloutFrameRoles = serviceGrants('retraining/0014_rollout_frame_roles', {
  retraining: ['select, insert, delete on model_rollout_frames'],
});

/** Retraining's tables: its columns of `samples` (created by forecasting), `retraining_runs`, `triage_records`, the model watch's, `maintenance_reports`. */
export const RETRAINING_SCHEMA: SchemaPart = {
  owner: 'retraining',
  after: ['core', 'forecasting'],
  migrations: [sampleUploads, retrainingRuns, triageRecords, modelWatch, maintenanceReports, serviceRoles, driftWindows, driftWindowRoles, driftWindowBands, driftSampleIdentity, rolloutTallies, rolloutTallyRoles, rolloutFrames, rolloutFrameRoles],
};

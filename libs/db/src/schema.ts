import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Kysely types for every table the migrations create. Column names are the SQL names
 * (snake_case) on purpose: analysts and Grafana read the same tables, so one vocabulary.
 *
 * `bigint` columns are typed `number`: both dialects parse int8 to a number when it is a
 * safe integer (ids, sequence numbers, byte sizes, counts always are in practice) and to a
 * `bigint` only beyond 2^53.
 */
export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
  devices: DevicesTable;
  readings: ReadingsTable;
  telemetry: TelemetryTable;
  dead_letters: DeadLettersTable;
  models: ModelsTable;
  model_backups: ModelBackupsTable;
  model_history: ModelHistoryTable;
  triage_records: TriageRecordsTable;
  maintenance_reports: MaintenanceReportsTable;
  scores: ScoresTable;
  recent_frames: RecentFramesTable;
  alerts: AlertsTable;
  alert_events: AlertEventsTable;
  alert_feedback: AlertFeedbackTable;
  deliveries: DeliveriesTable;
  notification_outbox: NotificationOutboxTable;
  forecasts: ForecastsTable;
  training_runs: TrainingRunsTable;
  samples: SamplesTable;
  retraining_runs: RetrainingRunsTable;
  model_score_references: ModelScoreReferencesTable;
  model_input_references: ModelInputReferencesTable;
  model_rollouts: ModelRolloutsTable;
  model_drift_samples: ModelDriftSamplesTable;
  model_drift_devices: ModelDriftDevicesTable;
  model_rollout_devices: ModelRolloutDevicesTable;
  model_rollout_bins: ModelRolloutBinsTable;
  model_rollout_frames: ModelRolloutFramesTable;
  model_reference_samples: ModelReferenceSamplesTable;
  device_baselines: DeviceBaselinesTable;
  baseline_samples: BaselineSamplesTable;
  fusion_rules: FusionRulesTable;
  alert_outbox: AlertOutboxTable;
  fusion_applied_events: FusionAppliedEventsTable;
  telemetry_models: TelemetryModelsTable;
  schema_migrations: SchemaMigrationsTable;
  v_device_health: DeviceHealthView;
  v_alerts_daily: AlertsDailyView;
  v_dead_letters_daily: DeadLettersDailyView;
}

/** A JSON value as stored in a jsonb column. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A timestamptz column that the database fills in (default now()) unless given. */
type CreatedAt = ColumnType<Date, Date | undefined, Date>;

/** A device's telemetry window model (services/telemetry-scoring), fitted on its own healthy rows. */
export interface TelemetryModelsTable {
  /** `site/device`. */
  device_id: string;
  model_version: string;
  step_ms: number;
  /** Every sensor at enrollment, in input order. */
  keys: Json;
  /** The sensors the model reads. */
  sensors: Json;
  /** Scaler, principal directions, eigenvalues, T²/Q means, window and error threshold. */
  model: Json;
  enrolled_rows: number;
  ready_at: Date;
}

/** One row per device ever seen; `id` is `site/device`. */
export interface DevicesTable {
  id: string;
  site: string;
  device: string;
  first_seen: Date;
  last_seen: Date;
  online: boolean;
  status_changed_at: Date;
  /** The last status message's JSON body (agent version, model versions, queue depth…). */
  last_status: Json | null;
  /** Highest sequence number seen, for gap counting. */
  last_seq: number | null;
}

/**
 * The view `readings`: one scalar telemetry value per row, unnested from `telemetry`.
 * Read-only (write telemetry with `insertReadings` / `insertTelemetry`).
 */
export interface ReadingsTable {
  /** The device's timestamp for the reading. */
  time: Date;
  device_id: string;
  key: string;
  value: number;
  seq: number;
}

/**
 * One row per telemetry message: its readings as two parallel arrays. Primary key
 * (device_id, time, seq): a redelivered message is a no-op, and the same btree serves a
 * device's readings over a time range.
 */
export interface TelemetryTable {
  /** The device's timestamp for the message. */
  time: Date;
  device_id: string;
  seq: number;
  /** Sensor keys, in the message's order; `vals[i]` is the reading of `keys[i]`. */
  keys: string[];
  vals: number[];
}

/** A message that failed validation, kept with a bounded copy of its raw bytes. */
export interface DeadLettersTable {
  id: Generated<number>;
  time: CreatedAt;
  topic: string;
  device_id: string | null;
  reason: string;
  /** At most the writer's bound (64 KiB by default); `payload_bytes` is the original size. */
  payload: Uint8Array;
  payload_bytes: number;
  /** Who gave up on it: `ingest`, or the bus consumer's durable name; null on rows from before. */
  source: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Lifecycle stage of a model in the registry. */
export type ModelStage = 'candidate' | 'production' | 'archived';

/** The model registry. At most one production model per (kind, scope). */
/** A backup of the model registry: one file in the artifact store (models, reports, lineage). */
export interface ModelBackupsTable {
  /** `registry-20261206T101500Z-1a2b3c` (what the API and CLI name it by). */
  name: string;
  /** Address of the backup file in the artifact store. */
  sha256: string;
  size: number;
  /** The kinds it holds (every kind when it was taken of the whole registry). */
  kinds: Json;
  models: number;
  reason: string;
  created_at: CreatedAt;
}

/** What changed the production model of a kind, and how: promote, rollback, archive, restore. */
export interface ModelHistoryTable {
  id: Generated<number>;
  at: CreatedAt;
  kind: string;
  scope: ColumnType<string, string | undefined, string>;
  version: string;
  action: 'promote' | 'rollback' | 'archive' | 'restore';
  previous_version: string | null;
  reason: string;
  /** The backup a restore came from. */
  backup: string | null;
}

/** One expert-scored maintenance report the triage model trains on; one row per anomaly id. */
/** A maintenance report on an alert or a device, scored by the triage model when there is one (retraining). */
export interface MaintenanceReportsTable {
  id: Generated<number>;
  site: string;
  device_id: string;
  alert_id: number | null;
  /** Fusion's id of a report written on an alert: a redelivered submission is stored once. */
  submission_id: string | null;
  text: string;
  equipment_name: string | null;
  equipment_id: string | null;
  author: string;
  created_at: CreatedAt;
  /** `{availability, fiability, process_safety}: {score, confidence}`; null until scored. */
  scores: Json | null;
  model_version: string | null;
  scored_at: Date | null;
  /** An engineer's corrected scores `{availability_score, fiability_score, process_safety_score, by, at}`. */
  correction: Json | null;
}

export interface TriageRecordsTable {
  anomaly_id: string;
  description: string;
  equipment_name: string | null;
  equipment_id: string | null;
  availability_score: number;
  fiability_score: number;
  process_safety_score: number;
  /** The triage run that added or last changed it. */
  run_id: number | null;
  /** Keeps the arrival order, so training on the same records is the same run. */
  seq: Generated<number>;
  updated_at: CreatedAt;
}

export interface ModelsTable {
  id: Generated<number>;
  /** `acoustic`, `thermal`, `forecast`, … */
  kind: string;
  /** What the model is for when it is not fleet-wide, e.g. `site/device:temperature`; '' otherwise. */
  scope: ColumnType<string, string | undefined, string>;
  version: string;
  stage: ModelStage;
  /** Hex sha256 of the ONNX artifact; artifacts are stored content-addressed by it. */
  sha256: string;
  size: number;
  metrics: Json;
  /** Input signature, sample rate / frame shape, threshold, calibration, data fingerprint… */
  metadata: Json;
  created_at: CreatedAt;
  promoted_at: Date | null;
  /** Model check outcome (contract + reference batch); null when the kind has no check. */
  check_status: ColumnType<ModelCheckStatus | null, ModelCheckStatus | null | undefined, ModelCheckStatus | null>;
  /** Why the check failed, or what it passed. */
  check_reason: ColumnType<string | null, string | null | undefined, string | null>;
  checked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** True when its last promotion was forced by an admin (`force: true`), false for any other way to production. */
  promotion_forced: ColumnType<boolean, boolean | undefined, boolean>;
}

/** Outcome of the model check recorded on a registry row. */
export type ModelCheckStatus = 'passed' | 'failed';

/** One anomaly score from an inference service. */
export interface ScoresTable {
  /** The frame's device timestamp. */
  time: Date;
  device_id: string;
  /** `acoustic` | `thermal` | … */
  kind: string;
  score: number;
  model_version: string;
  latency_ms: number | null;
  seq: number;
  /** `device` (scored against the device's own baseline) or `fleet`; null on rows from before baselines. */
  reference: ColumnType<string | null, string | null | undefined, string | null>;
}

export type AlertSeverity = 'CRITICAL' | 'WARNING' | 'INFO';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/** An alert; at most one not-yet-resolved alert per (device_id, rule). */
export interface AlertsTable {
  id: Generated<number>;
  device_id: string;
  site: string;
  rule: string;
  severity: AlertSeverity;
  status: ColumnType<AlertStatus, AlertStatus | undefined, AlertStatus>;
  /** `core` or `edge` (raised by the edge node on its own). */
  source: ColumnType<string, string | undefined, string>;
  title: string;
  first_seen: Date;
  last_seen: Date;
  count: ColumnType<number, number | undefined, number>;
  peak_score: number | null;
  details: Json | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  resolved_at: Date | null;
}

/** Every lifecycle transition of an alert. */
export interface AlertEventsTable {
  id: Generated<number>;
  alert_id: number;
  time: CreatedAt;
  /** Null for the transition that opened the alert. */
  from_status: AlertStatus | null;
  to_status: AlertStatus;
  /** `system`, `edge`, or the user who acted. */
  actor: string;
  note: string | null;
}

/** Inference's bounded store of recent frames per device (high scorers and a sample of normal ones). */
export interface RecentFramesTable {
  id: Generated<number>;
  /** `site/device`. */
  device_id: string;
  kind: string;
  seq: number;
  /** Device time of the frame. */
  time: Date;
  score: number;
  /** `high` (scored at or above the store's threshold) or `sample` (1 in N of the normal ones). */
  why: 'high' | 'sample';
  /** The frame's wire form. */
  payload: Uint8Array;
  /** When inference stored it (the age limit counts from here). */
  stored_at: Date;
}

/** The current verdict on an alert (fusion); earlier verdicts stay in `alert_events`. */
export interface AlertFeedbackTable {
  alert_id: number;
  verdict: 'true_fault' | 'false_alarm';
  note: string | null;
  /** The user whose credential gave the verdict. */
  actor: string;
  at: Date;
}

export type DeliveryStatus = 'delivered' | 'failed' | 'dead';

/** One notification attempt. */
export interface DeliveriesTable {
  id: Generated<number>;
  alert_id: number | null;
  channel: string;
  /** One per alert transition, sent to receivers so they can drop duplicates. */
  idempotency_key: string;
  attempt: number;
  time: CreatedAt;
  status: DeliveryStatus;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
  payload: Json | null;
}

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

/** One (channel, alert transition) the notifier must deliver; `dead` rows are its dead letters. */
export interface NotificationOutboxTable {
  id: Generated<number>;
  channel: string;
  /** The alert transition's key (the key sent to receivers adds the channel). */
  idempotency_key: string;
  alert_id: string;
  site: string;
  device: string;
  severity: string;
  /** The alert event as received from the bus. */
  event: Json;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Date;
  last_error: string | null;
  resend_count: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  /** The notifier process holding the row while `lease_until` is in the future (replicas share the outbox). */
  claimed_by: ColumnType<string | null, string | null | undefined, string | null>;
  lease_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** One step of one forecast. */
export interface ForecastsTable {
  /** When the forecast was made. */
  time: Date;
  device_id: string;
  key: string;
  /** 1-based step of the horizon. */
  step: number;
  target_time: Date;
  predicted: number;
  lower: number | null;
  upper: number | null;
  model_version: string;
  /** Risk level the forecast was published with (`low`/`medium`/`high`, same on every step); null before migration 0008. */
  risk_level: ColumnType<string | null, string | null | undefined, string | null>;
  /** Risk score 0–100 of the forecast (same on every step). */
  risk_score: ColumnType<number | null, number | null | undefined, number | null>;
}

export type TrainingStatus = 'running' | 'succeeded' | 'failed';

/** One training run; at most one running per (kind, scope). */
export interface TrainingRunsTable {
  id: Generated<number>;
  kind: string;
  scope: ColumnType<string, string | undefined, string>;
  status: ColumnType<TrainingStatus, TrainingStatus | undefined, TrainingStatus>;
  started_at: CreatedAt;
  finished_at: Date | null;
  params: Json;
  metrics: Json | null;
  data_fingerprint: string | null;
  model_version: string | null;
  error: string | null;
}

/** A labelled upload (WAV clip, thermal frame, CSV) used for training. */
/** One device's enrollment, then baseline, under one model version (migration 0009). */
export interface DeviceBaselinesTable {
  device_id: string;
  kind: string;
  model_version: string;
  status: 'enrolling' | 'ready';
  /** The model's baseline method (`mean` | `subspace`). */
  method: string;
  /** Samples the baseline is fitted from. */
  frames: number;
  accepted: ColumnType<number, number | undefined, number>;
  rejected: ColumnType<number, number | undefined, number>;
  /** Enrollment takes every frame, whatever the fleet score (an engineer vouched for the machine). */
  accept_all: ColumnType<boolean, boolean | undefined, boolean>;
  /** The `baseline` model input, float32 little-endian; set once ready. */
  baseline: Uint8Array | null;
  last_sample_at: Date | null;
  started_at: CreatedAt;
  ready_at: Date | null;
  updated_at: CreatedAt;
  /** An engineer marked the machine faulty: it does not enroll until reset (inference/0003). */
  marked_faulty_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  faulty_note: ColumnType<string | null, string | null | undefined, string | null>;
  /** Frames the device sent since its first enrollment sample: its frame rate (inference/0003). */
  frames_seen: ColumnType<number | null, number | null | undefined, number | null>;
}

/** One accepted enrollment sample: a model row's `embedding` (float32 little-endian). */
export interface BaselineSamplesTable {
  device_id: string;
  kind: string;
  model_version: string;
  time: Date;
  row_index: number;
  fleet_score: number;
  embedding: Uint8Array;
}

export interface SamplesTable {
  id: Generated<number>;
  time: CreatedAt;
  device_id: string | null;
  kind: string;
  label: string;
  /** Content address of the stored file. */
  sha256: string;
  size: number;
  metadata: Json | null;
  training_run_id: number | null;
  /** The optional fault class of an `anomalous` sample (retraining/0001). */
  fault_class: ColumnType<string | null, string | null | undefined, string | null>;
  /** `wav`, `png`, `jpeg`, `csv`, `json`. */
  format: ColumnType<string | null, string | null | undefined, string | null>;
  filename: ColumnType<string | null, string | null | undefined, string | null>;
  note: ColumnType<string | null, string | null | undefined, string | null>;
  uploaded_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export type RetrainingRunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One retraining run (retraining/0002); a running row is its kind's lease. */
export interface RetrainingRunsTable {
  id: Generated<number>;
  kind: string;
  status: ColumnType<RetrainingRunStatus, RetrainingRunStatus | undefined, RetrainingRunStatus>;
  reason: string;
  /** `manual`, `threshold`, `schedule`. */
  trigger: ColumnType<string, string | undefined, string>;
  params: ColumnType<Json, Json | undefined, Json>;
  /** The process (host:pid:random) that trains it. */
  lease_owner: string;
  lease_expires_at: Date;
  started_at: CreatedAt;
  finished_at: Date | null;
  progress: Json | null;
  result: Json | null;
  candidate_version: string | null;
  error: string | null;
}

/**
 * A model's reference score distribution (retraining/0003): quantile bin edges and the share of
 * the reference in each bin, and the share above the alert score. `held-out` when retraining
 * measured it on its held-out normal samples; `live` when the drift monitor learned it from the
 * first frames the model scored (shipped models, models registered by `npm run train`).
 */
export interface ModelScoreReferencesTable {
  kind: string;
  version: string;
  source: 'held-out' | 'live';
  edges: Json;
  shares: Json;
  over_rate: number;
  count: number;
  created_at: CreatedAt;
}

/**
 * A model's reference distribution of one input statistic (`level`, `spread`: see inference's
 * `inputSummary`), learned from the first frames it scored (retraining/0003).
 */
export interface ModelInputReferencesTable {
  kind: string;
  version: string;
  feature: string;
  edges: Json;
  shares: Json;
  count: number;
  created_at: CreatedAt;
}

export type ModelRolloutStatus = 'watching' | 'passed' | 'rolled_back' | 'superseded';

/** One rollout watch after a promotion (retraining/0003); at most one `watching` per kind. */
export interface ModelRolloutsTable {
  id: Generated<number>;
  kind: string;
  version: string;
  previous_version: string | null;
  started_at: Date;
  ends_at: Date;
  status: ColumnType<ModelRolloutStatus, ModelRolloutStatus | undefined, ModelRolloutStatus>;
  /** Frames of `version` seen during the watch, at the decision. */
  frames: ColumnType<number, number | undefined, number>;
  /** The figures and reasons of the decision. */
  decision: Json | null;
  decided_at: Date | null;
  /** Set by the one replica that decided to roll back (retraining/0011), before it does. */
  rollback_claimed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** A device's frames during a rollout watch (retraining/0011), counted by every replica. */
export interface ModelRolloutDevicesTable {
  rollout_id: number;
  /** `site/device`. */
  device_id: string;
  site: string;
  device: string;
  frames: ColumnType<number, number | undefined, number>;
  /** Frames scored above the alert score. */
  over: ColumnType<number, number | undefined, number>;
}

/** The watched model's scores in the previous model's reference bins (retraining/0011). */
export interface ModelRolloutBinsTable {
  rollout_id: number;
  bin: number;
  count: ColumnType<number, number | undefined, number>;
}

/** A frame counted into an open rollout watch (retraining/0013): a redelivered one counts once; dropped when the watch ends. */
export interface ModelRolloutFramesTable {
  rollout_id: number;
  /** `site/device`. */
  device_id: string;
  seq: number;
  /** The score event's `ts` (epoch ms). */
  ts: number;
}

/** A live score (and input statistics) of a model still without a reference (retraining/0011); its first `DRIFT_REFERENCE_FRAMES` fix it. */
export interface ModelReferenceSamplesTable {
  id: Generated<number>;
  kind: string;
  version: string;
  score: number;
  level: number | null;
  spread: number | null;
}

/** One live score (and input statistics) in a drift window (retraining/0007); the latest `DRIFT_WINDOW` per (kind, device) are kept. */
export interface ModelDriftSamplesTable {
  id: Generated<number>;
  kind: string;
  version: string;
  /** `site/device`. */
  device_id: string;
  score: number;
  level: number | null;
  spread: number | null;
  /** An acoustic clip's share of energy per octave band (retraining/0009). */
  bands: ColumnType<Json | null, Json | null | undefined, Json | null>;
  /** The frame's sequence number (retraining/0010): with `at`, a redelivered score is not a second sample. */
  seq: number | null;
  at: Date;
}

/** A device's latest drift verdict under the kind's production model (retraining/0007), shared by the replicas. */
export interface ModelDriftDevicesTable {
  kind: string;
  device_id: string;
  site: string;
  device: string;
  version: string;
  window_size: number;
  psi: number | null;
  js_distance: number | null;
  input_psi: Json;
  drifting: ColumnType<boolean, boolean | undefined, boolean>;
  evaluated_at: Date | null;
}

/** A fusion rule or rule patch; '' in `site`/`device` means every site/device. */
export interface FusionRulesTable {
  site: ColumnType<string, string | undefined, string>;
  device: ColumnType<string, string | undefined, string>;
  rule_id: string;
  /** A whole rule, or the fields that override the rule of the same id. */
  definition: Json;
  updated_at: CreatedAt;
}

/** An alert transition written but not yet published on the bus. */
export interface AlertOutboxTable {
  event_id: number;
  subject: string;
  /** The `alertEvent` payload (@premonitor/contracts). */
  payload: Json;
  created_at: CreatedAt;
}

/** A bus event fusion applied to a (device, rule): its second delivery is a no-op. */
export interface FusionAppliedEventsTable {
  device_id: string;
  rule: string;
  /** The event's identity within its device (`telemetry:{ts}:{seq}`, `status:{state}:{ts}`, …). */
  source_event: string;
  /** Fusion's clock when it was applied; retention prunes by it. */
  applied_at: Date;
}

/** Bookkeeping of applied migrations. */
export interface SchemaMigrationsTable {
  name: string;
  applied_at: CreatedAt;
}

/** `v_device_health`: one row per device. */
export interface DeviceHealthView {
  device_id: string;
  site: string;
  device: string;
  online: boolean;
  last_seen: Date;
  status_changed_at: Date;
  readings_last_hour: number;
  dead_letters_24h: number;
}

/** `v_alerts_daily`: alerts opened per day, site and severity. */
export interface AlertsDailyView {
  day: Date;
  site: string;
  severity: AlertSeverity;
  opened: number;
  still_open: number;
}

/** `v_dead_letters_daily`: rejected messages per day and reason. */
export interface DeadLettersDailyView {
  day: Date;
  reason: string;
  messages: number;
  bytes: number;
}

export type Device = Selectable<DevicesTable>;
export type NewDevice = Insertable<DevicesTable>;
export type DeviceUpdate = Updateable<DevicesTable>;
export type Reading = Selectable<ReadingsTable>;
export type NewReading = Insertable<ReadingsTable>;
export type DeadLetter = Selectable<DeadLettersTable>;
export type Model = Selectable<ModelsTable>;
export type ModelBackup = Selectable<ModelBackupsTable>;
export type ModelHistoryEntry = Selectable<ModelHistoryTable>;
export type TriageRecordRow = Selectable<TriageRecordsTable>;
export type MaintenanceReportRow = Selectable<MaintenanceReportsTable>;
export type NewModel = Insertable<ModelsTable>;
export type Score = Selectable<ScoresTable>;
export type NewScore = Insertable<ScoresTable>;
export type Alert = Selectable<AlertsTable>;
export type NewAlert = Insertable<AlertsTable>;
export type AlertEvent = Selectable<AlertEventsTable>;
export type Delivery = Selectable<DeliveriesTable>;
export type Forecast = Selectable<ForecastsTable>;
export type TrainingRun = Selectable<TrainingRunsTable>;
export type Sample = Selectable<SamplesTable>;
export type RetrainingRun = Selectable<RetrainingRunsTable>;
export type ModelScoreReferenceRow = Selectable<ModelScoreReferencesTable>;
export type ModelRollout = Selectable<ModelRolloutsTable>;
export type ModelDriftDevice = Selectable<ModelDriftDevicesTable>;
export type FusionRuleRow = Selectable<FusionRulesTable>;
export type AlertOutboxRow = Selectable<AlertOutboxTable>;

/** A person or machine account (`@premonitor/auth`); `sites` null = every site. */
export interface UsersTable {
  id: Generated<number>;
  name: string;
  role: 'viewer' | 'operator' | 'admin';
  sites: string[] | null;
  password_hash: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  disabled_at: Date | null;
}

/** An API token or a browser session; only hashes are stored. */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  kind: 'api' | 'session';
  name: string;
  token_hash: string;
  csrf_hash: string | null;
  role: 'viewer' | 'operator' | 'admin';
  sites: string[] | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date | null;
  revoked_at: Date | null;
}

/** Who changed what, when, from where. */
export interface AuditEventsTable {
  id: Generated<number>;
  time: ColumnType<Date, Date | undefined, never>;
  actor: string;
  action: string;
  target: string;
  status: number;
  remote_addr: string | null;
  detail: ColumnType<Json | null, string | null, never>;
}

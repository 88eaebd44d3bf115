import { serviceGrants, type Migration, type SchemaPart } from '@premonitor/db';

/**
 * Each device's fitted telemetry model (one row; a reset deletes it and the device enrolls
 * again). The model is small — a few sensors' scaler and principal directions, or a conv
 * autoencoder's few thousand weights with its ONNX export (tens of kB) — so it is kept as JSON
 * beside its version rather than as an artifact in the model registry.
 */
const telemetryModels: Migration = {
  name: 'telemetry-scoring/0001_telemetry_models',
  statements: [
    `create table if not exists telemetry_models (
      device_id text primary key,
      model_version text not null,
      step_ms integer not null check (step_ms > 0),
      keys jsonb not null,
      sensors jsonb not null,
      model jsonb not null,
      enrolled_rows integer not null check (enrolled_rows > 0),
      ready_at timestamptz not null
    )`,
  ],
};

/** Telemetry scoring's role: its models (a reset deletes one); its scores are granted in inference's part. */
const serviceRoles = serviceGrants('telemetry-scoring/0002_service_roles', {
  'telemetry-scoring': ['select, insert, update, delete on telemetry_models'],
});

/** Model sync announces each device's own model to that device and serves its ONNX bytes: it reads the table. */
const modelSyncReads = serviceGrants('telemetry-scoring/0003_model_sync_reads_models', {
  'model-sync': ['select on telemetry_models'],
});

/** Telemetry scoring's table: `telemetry_models`. Its scores go to inference's `scores` (kind `telemetry`). */
export const TELEMETRY_SCORING_SCHEMA: SchemaPart = {
  owner: 'telemetry-scoring',
  after: ['core'],
  migrations: [telemetryModels, serviceRoles, modelSyncReads],
};

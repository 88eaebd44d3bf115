export { openDatabase } from './open-database.js';
export type { DatabaseHandle, DatabaseOptions, PoolStats, PostgresOptions, PGliteOptions } from './open-database.js';
export { assertMigrated, migrate } from './migrate.js';
export type { MigrateOptions, MigrationReport } from './migrate.js';
export type { Migration } from './migrations/migration.js';
export { CORE_SCHEMA, READONLY_ROLE } from './core-schema.js';
export { SERVICE_ROLES, ensureServiceLogins, serviceGrants, serviceLoginName, type ServiceWithRole } from './service-roles.js';
export { SchemaOrderError, schemaMigrations, type SchemaPart } from './schema-part.js';
export type { TimescaleOptions } from './timescale.js';
export { insertReadings, insertTelemetry, type TelemetryRecord } from './readings-repository.js';
export {
  recordDeadLetter,
  recordDeadLetters,
  databaseDeadLetters,
  boundPayload,
  DEFAULT_MAX_DEAD_LETTER_BYTES,
} from './dead-letter-repository.js';
export type { DeadLetterInput, DeadLetterOptions } from './dead-letter-repository.js';
export { pruneDeadLetters, type PruneDeadLettersOptions } from './dead-letter-retention.js';
export { deleteInBatches, type DeleteInBatchesOptions } from './delete-in-batches.js';
export { RetentionSchedule, type RetentionScheduleOptions } from './retention-schedule.js';
export { storableText, storableTextFromBytes, storableJson } from './storable-text.js';
export { PGliteDialect } from './pglite/pglite-dialect.js';
export type { PGliteClient, PGliteDialectConfig } from './pglite/pglite-dialect.js';
export { DatabaseConnectionError, MigrationError, isUndefinedTable, isUniqueViolation } from './errors.js';
// The one URL mask lives in @premonitor/log; re-exported for code that imported it from here.
export { maskUrl } from '@premonitor/log';
export type {
  Database,
  Json,
  DevicesTable,
  ReadingsTable,
  DeadLettersTable,
  ModelsTable,
  ModelCheckStatus,
  ModelStage,
  ScoresTable,
  AlertsTable,
  AlertSeverity,
  AlertStatus,
  AlertEventsTable,
  AlertFeedbackTable,
  RecentFramesTable,
  DeliveriesTable,
  DeliveryStatus,
  ForecastsTable,
  TrainingRunsTable,
  TrainingStatus,
  SamplesTable,
  RetrainingRunsTable,
  ModelScoreReferencesTable,
  ModelRolloutsTable,
  ModelRolloutStatus,
  RetrainingRunStatus,
  SchemaMigrationsTable,
  DeviceHealthView,
  AlertsDailyView,
  DeadLettersDailyView,
  Device,
  NewDevice,
  DeviceUpdate,
  Reading,
  NewReading,
  TelemetryTable,
  DeadLetter,
  Model,
  ModelBackup,
  ModelHistoryEntry,
  TriageRecordRow,
  MaintenanceReportRow,
  NewModel,
  Score,
  NewScore,
  Alert,
  NewAlert,
  AlertEvent,
  Delivery,
  Forecast,
  TrainingRun,
  Sample,
  RetrainingRun,
  ModelScoreReferenceRow,
  ModelRollout,
  ModelDriftDevice,
} from './schema.js';

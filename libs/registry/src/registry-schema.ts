import { serviceGrants, type Migration, type SchemaPart } from '@premonitor/db';

/** The model registry: versions, stages, artifacts by sha256. */
const models: Migration = {
  name: 'registry/0001_models',
  replaces: '0002_inference_and_alerts',
  statements: [
    `create table if not exists models (
      id bigserial primary key,
      kind text not null,
      scope text not null default '',
      version text not null,
      stage text not null check (stage in ('candidate', 'production', 'archived')),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      size bigint not null check (size >= 0),
      metrics jsonb not null default '{}',
      metadata jsonb not null default '{}',
      created_at timestamptz not null default now(),
      promoted_at timestamptz,
      constraint models_kind_version unique (kind, version)
    )`,
    // Promotion is "archive the old, promote the new" in one transaction; this index makes a
    // second production model impossible even if two promoters race.
    `create unique index if not exists models_one_production on models (kind, scope) where stage = 'production'`,
  ],
};

/**
 * The outcome of the model check (`@premonitor/ml/scoring`: I/O contract and reference batch)
 * on each registered model: `passed` or `failed` with the reason, and when it ran. Null for
 * kinds without a scoring contract (forecast) and for rows registered before the check existed.
 * Inference falls back to models that passed when the production model cannot serve.
 * Values are `passed` / `failed`, written only by the registry (same statement form as 0008).
 */
const modelChecks: Migration = {
  name: 'registry/0002_model_checks',
  replaces: '0011_model_checks',
  statements: [
    `alter table models add column if not exists check_status text`,
    `alter table models add column if not exists check_reason text`,
    `alter table models add column if not exists checked_at timestamptz`,
  ],
};

/**
 * Backups of the registry (each one file in the artifact store, addressed by its sha256) and
 * the history of production changes, so a restore is recorded like a promotion.
 */
const backupsAndHistory: Migration = {
  name: 'registry/0003_backups_history',
  statements: [
    `create table if not exists model_backups (
      name text primary key check (name ~ '^[a-z0-9][a-z0-9-]{0,79}$'),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      size bigint not null check (size >= 0),
      kinds jsonb not null default '[]',
      models integer not null check (models >= 0),
      reason text not null,
      created_at timestamptz not null default now()
    )`,
    `create table if not exists model_history (
      id bigserial primary key,
      at timestamptz not null default now(),
      kind text not null,
      scope text not null default '',
      version text not null,
      action text not null check (action in ('promote', 'rollback', 'archive', 'restore')),
      previous_version text,
      reason text not null,
      backup text
    )`,
    `create index if not exists model_history_kind_at_idx on model_history (kind, at desc)`,
  ],
};

/**
 * Whether a model's last promotion was forced by an admin (`force: true`: past a failed model
 * check or a gate that refused it). Kept on the row so the registry listing, the retraining
 * history and anyone auditing production can tell a forced model from one that earned it.
 */
const promotionForced: Migration = {
  name: 'registry/0004_promotion_forced',
  statements: [`alter table models add column if not exists promotion_forced boolean not null default false`],
};

/** Inference reads the models it serves and records the outcome of checking them. */
const serviceRoles = serviceGrants('registry/0005_service_roles', {
  inference: ['select, update (check_status, check_reason, checked_at) on models'],
});

/**
 * The services that run the whole registry (`ModelRegistry`: register, check, promote, roll back;
 * model-sync and retraining also its backups and restores). Nobody deletes models or history.
 */
const fullRegistry = ['select, insert, update on models', 'select, insert on model_history', 'usage on sequence models_id_seq, model_history_id_seq'];
const remainingServiceRoles = serviceGrants('registry/0006_remaining_service_roles', {
  forecasting: fullRegistry,
  'model-sync': [...fullRegistry, 'select, insert on model_backups'],
  retraining: [...fullRegistry, 'select, insert on model_backups'],
});

/** The model registry's tables (`models`, `model_backups`, `model_history`), used by inference, model-sync, forecasting and the training CLI through `ModelRegistry`. */
export const REGISTRY_SCHEMA: SchemaPart = {
  owner: 'registry',
  after: ['core'],
  migrations: [models, modelChecks, backupsAndHistory, promotionForced, serviceRoles, remainingServiceRoles],
};

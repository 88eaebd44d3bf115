import { serviceGrants } from './service-roles.js';
import type { SchemaPart } from './schema-part.js';
import type { Migration } from './migrations/migration.js';

/** Dead letters: what any service gave up on, with its reason. */
const deadLetters: Migration = {
  name: 'core/0001_dead_letters',
  replaces: '0001_core_tables',
  statements: [
    `create table if not exists dead_letters (
      id bigserial primary key,
      time timestamptz not null default now(),
      topic text not null,
      device_id text,
      reason text not null,
      payload bytea not null,
      payload_bytes integer not null check (payload_bytes >= 0)
    )`,
    `create index if not exists dead_letters_time_idx on dead_letters (time desc)`,
    `create index if not exists dead_letters_device_time_idx on dead_letters (device_id, time desc)`,
  ],
};

/** The analysts' view of dead letters per day and reason (libs/db/README.md). */
const deadLettersDaily: Migration = {
  name: 'core/0002_dead_letters_daily_view',
  replaces: '0004_analyst_views',
  statements: [
    `create or replace view v_dead_letters_daily as
      select date_trunc('day', l.time) as day,
             l.reason,
             count(*) as messages,
             coalesce(sum(l.payload_bytes), 0)::bigint as bytes
        from dead_letters l
       group by 1, 2`,
  ],
};

/**
 * Dead letters say who gave up on a message: `ingest` for MQTT messages it refused or could
 * not store, the durable consumer's name for bus messages a consumer could not process after
 * its deliveries ran out (`topic` is then the bus subject). Null on rows written before.
 */
const deadLetterSource: Migration = {
  name: 'core/0003_dead_letter_source',
  replaces: '0010_dead_letter_source',
  statements: [
    `alter table dead_letters add column if not exists source text`,
  ],
};

/** The read-only role of Grafana and analysts (libs/db/README.md, "Read-only access"). */
export const READONLY_ROLE = 'premonitor_readonly';

/**
 * A read-only group role for Grafana and analysts: SELECT on every table and view of the
 * schema, and on those created later by the user that migrates (the core part migrates first,
 * so every service's tables follow). Created only where it is missing and the migrating user may
 * create roles; otherwise a notice, never a failed start: a managed database whose owner cannot
 * create roles gets the role from its administrator (same name), and the grants still apply.
 * NOLOGIN: people and Grafana log in as their own roles that are members of it.
 */
const readonlyRole: Migration = {
  name: 'core/0004_readonly_role',
  statements: [
    `do $$
    begin
      if not exists (select 1 from pg_roles where rolname = '${READONLY_ROLE}') then
        if not exists (select 1 from pg_roles where rolname = current_user and (rolsuper or rolcreaterole)) then
          raise notice '${READONLY_ROLE} not created: % may not create roles', current_user;
          return;
        end if;
        begin
          create role ${READONLY_ROLE} nologin;
        exception when duplicate_object or unique_violation then
          null; -- another database of the same server created it just now (roles are server-wide)
        end;
      end if;
      execute format('grant usage on schema %I to ${READONLY_ROLE}', current_schema());
      execute format('grant select on all tables in schema %I to ${READONLY_ROLE}', current_schema());
      execute format('alter default privileges in schema %I grant select on tables to ${READONLY_ROLE}', current_schema());
    exception when insufficient_privilege then
      raise notice '${READONLY_ROLE} grants incomplete: %', sqlerrm;
    end $$`,
  ],
};

/** What every service role needs of the core: the migration list (DATABASE_MIGRATE=off checks it) and the dead letters. */
const serviceRolesCore = serviceGrants('core/0005_service_roles', {
  ingest: ['select on schema_migrations', 'select, insert, delete on dead_letters', 'usage on sequence dead_letters_id_seq'],
  fusion: ['select on schema_migrations', 'insert on dead_letters', 'usage on sequence dead_letters_id_seq'],
  notifier: ['select on schema_migrations', 'insert on dead_letters', 'usage on sequence dead_letters_id_seq'],
  inference: ['select on schema_migrations', 'insert on dead_letters', 'usage on sequence dead_letters_id_seq'],
});

/** The same for the services given a role later (their consumers dead-letter too; the console only checks the schema). */
const remainingServiceRolesCore = serviceGrants('core/0006_remaining_service_roles', {
  forecasting: ['select on schema_migrations', 'insert on dead_letters', 'usage on sequence dead_letters_id_seq'],
  'telemetry-scoring': ['select on schema_migrations', 'insert on dead_letters', 'usage on sequence dead_letters_id_seq'],
  'model-sync': ['select on schema_migrations', 'insert on dead_letters', 'usage on sequence dead_letters_id_seq'],
  retraining: ['select on schema_migrations', 'insert on dead_letters', 'usage on sequence dead_letters_id_seq'],
  console: ['select on schema_migrations'],
});

/** The core schema every host migrates first: `dead_letters`, written by every service (ingest for MQTT messages, every bus consumer through `ConsumerPolicy`), so it belongs to no one service. */
export const CORE_SCHEMA: SchemaPart = {
  owner: 'core',
  migrations: [deadLetters, deadLettersDaily, deadLetterSource, readonlyRole, serviceRolesCore, remainingServiceRolesCore],
};

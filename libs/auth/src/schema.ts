// @premonitor/auth/schema: the identity tables (SQL text only, light to import).
import { serviceGrants, type Migration, type SchemaPart } from '@premonitor/db';

/**
 * Users, their credentials and the audit trail. A credential is a row of `api_tokens`: an API
 * token for a machine (`kind = 'api'`) or a browser session (`kind = 'session'`, with the hash
 * of its CSRF token). Only SHA-256 hashes of tokens and scrypt hashes of passwords are stored.
 */
const identity: Migration = {
  name: 'auth/0001_users_tokens_audit',
  statements: [
    `create table if not exists users (
      id bigserial primary key,
      name text not null unique,
      role text not null check (role in ('viewer', 'operator', 'admin')),
      sites text[],
      password_hash text,
      created_at timestamptz not null default now(),
      disabled_at timestamptz
    )`,
    `create table if not exists api_tokens (
      id bigserial primary key,
      user_id bigint not null references users (id) on delete cascade,
      kind text not null check (kind in ('api', 'session')),
      name text not null,
      token_hash text not null unique,
      csrf_hash text,
      role text not null check (role in ('viewer', 'operator', 'admin')),
      sites text[],
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      revoked_at timestamptz
    )`,
    `create index if not exists api_tokens_user_idx on api_tokens (user_id)`,
    `create table if not exists audit_events (
      id bigserial primary key,
      time timestamptz not null default now(),
      actor text not null,
      action text not null,
      target text not null,
      status integer not null,
      remote_addr text,
      detail jsonb
    )`,
    `create index if not exists audit_events_time_idx on audit_events (time desc)`,
  ],
};

/** Every service host checks credentials and records refusals (services with a role of their own). */
const serviceRoles = serviceGrants('auth/0002_service_roles', Object.fromEntries(
  (['ingest', 'fusion', 'notifier', 'inference'] as const).map((service) => [service, ['select on users, api_tokens', 'insert on audit_events', 'usage on sequence audit_events_id_seq']]),
));

/**
 * The rest of the services check credentials the same way; the console serves the auth API
 * behind the Ingress (log in, users, tokens, audit), so it alone creates users and tokens.
 */
const remainingServiceRoles = serviceGrants('auth/0003_remaining_service_roles', {
  ...Object.fromEntries((['forecasting', 'telemetry-scoring', 'model-sync', 'retraining'] as const).map((service) => [service, ['select on users, api_tokens', 'insert on audit_events', 'usage on sequence audit_events_id_seq']])),
  console: ['select, insert, update on users, api_tokens', 'select, insert on audit_events', 'usage on sequence users_id_seq, api_tokens_id_seq, audit_events_id_seq'],
});

/** The auth part: migrated by every host (each serves HTTP and checks credentials against these tables). */
export const AUTH_SCHEMA: SchemaPart = { owner: 'auth', migrations: [identity, serviceRoles, remainingServiceRoles] };

import { serviceGrants, type Migration, type SchemaPart } from '@premonitor/db';

/** Delivery attempts (`alert_id` references fusion's `alerts`). */
const deliveries: Migration = {
  name: 'notifier/0001_deliveries',
  replaces: '0002_inference_and_alerts',
  statements: [
    `create table if not exists deliveries (
      id bigserial primary key,
      alert_id bigint references alerts (id) on delete set null,
      channel text not null,
      idempotency_key text not null,
      attempt integer not null check (attempt >= 1),
      time timestamptz not null default now(),
      status text not null check (status in ('delivered', 'failed', 'dead')),
      status_code integer,
      latency_ms real,
      error text,
      payload jsonb
    )`,
    `create index if not exists deliveries_alert_idx on deliveries (alert_id, time)`,
    `create index if not exists deliveries_key_idx on deliveries (idempotency_key, channel)`,
    `create index if not exists deliveries_dead_idx on deliveries (time desc) where status = 'dead'`,
  ],
};

/**
 * The notifier's outbox: one row per (channel, alert transition) to deliver. The bus message
 * is acknowledged once its rows exist, so a slow or dead webhook never holds bus messages
 * (and with them every other channel) hostage; retries are scheduled here instead. Rows
 * that exhaust their attempts stay as `dead` — the notifier's dead letters, re-sendable.
 */
const outbox: Migration = {
  name: 'notifier/0002_outbox',
  replaces: '0006_notifier_outbox',
  statements: [
    `create table if not exists notification_outbox (
      id bigserial primary key,
      channel text not null,
      idempotency_key text not null,
      alert_id text not null,
      site text not null,
      device text not null,
      severity text not null,
      event jsonb not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      last_error text,
      resend_count integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create unique index if not exists notification_outbox_key_idx on notification_outbox (channel, idempotency_key)`,
    `create index if not exists notification_outbox_ready_idx on notification_outbox (channel, next_attempt_at, id) where status = 'pending'`,
    `create index if not exists notification_outbox_dead_idx on notification_outbox (id desc) where status = 'dead'`,
  ],
};

/**
 * Replicas share the outbox: a notifier claims due rows for a while (`lease_until`) before
 * sending them, so two replicas never send one row at once; a lease left by a killed replica
 * expires and the row is claimed again (sent again under the same idempotency key).
 * The alert index serves the claim's check that no earlier transition of the alert is held
 * by another replica (transitions of one alert go out in order).
 */
const outboxLeases: Migration = {
  name: 'notifier/0003_outbox_leases',
  statements: [
    `alter table notification_outbox add column if not exists claimed_by text`,
    `alter table notification_outbox add column if not exists lease_until timestamptz`,
    `create index if not exists notification_outbox_alert_idx on notification_outbox (channel, alert_id, id) where status = 'pending'`,
  ],
};

/** The notifier's role on its tables; fusion shows an alert's deliveries. */
const serviceRoles = serviceGrants('notifier/0004_service_roles', {
  notifier: ['select, insert, update on notification_outbox', 'select, insert on deliveries', 'usage on sequence notification_outbox_id_seq, deliveries_id_seq'],
  fusion: ['select on deliveries'],
});

/** The notifier's tables: `deliveries`, `notification_outbox`. After fusion's: a delivery references its alert. */
export const NOTIFIER_SCHEMA: SchemaPart = {
  owner: 'notifier',
  after: ['core', 'fusion'],
  migrations: [deliveries, outbox, outboxLeases, serviceRoles],
};

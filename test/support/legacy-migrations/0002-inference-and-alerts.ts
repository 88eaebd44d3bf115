import type { Migration } from '@premonitor/db';

/** Model registry, anomaly scores, alerts with their lifecycle, and notification attempts. */
export const inferenceAndAlerts: Migration = {
  name: '0002_inference_and_alerts',
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

    `create table if not exists alerts (
      id bigserial primary key,
      device_id text not null,
      site text not null,
      rule text not null,
      severity text not null check (severity in ('CRITICAL', 'WARNING', 'INFO')),
      status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
      source text not null default 'core' check (source in ('core', 'edge')),
      title text not null,
      first_seen timestamptz not null,
      last_seen timestamptz not null,
      count integer not null default 1,
      peak_score double precision,
      details jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      resolved_at timestamptz
    )`,
    // An alert already open for (device, rule) is updated, never duplicated.
    `create unique index if not exists alerts_one_active on alerts (device_id, rule) where status <> 'resolved'`,
    `create index if not exists alerts_status_seen_idx on alerts (status, severity, last_seen desc)`,
    `create index if not exists alerts_site_seen_idx on alerts (site, last_seen desc)`,

    `create table if not exists alert_events (
      id bigserial primary key,
      alert_id bigint not null references alerts (id) on delete cascade,
      time timestamptz not null default now(),
      from_status text check (from_status in ('open', 'acknowledged', 'resolved')),
      to_status text not null check (to_status in ('open', 'acknowledged', 'resolved')),
      actor text not null,
      note text
    )`,
    `create index if not exists alert_events_alert_idx on alert_events (alert_id, time)`,

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

import type { Migration } from '@premonitor/db';

/** Fusion: rule overrides kept as data, and the outbox of alert transitions still to publish. */
export const fusion: Migration = {
  name: '0005_fusion',
  statements: [
    // '' means "every": ('', '', id) patches a default rule fleet-wide, (site, '', id) one site,
    // (site, device, id) one device. `definition` is a rule or a partial rule (validated on load).
    `create table if not exists fusion_rules (
      site text not null default '',
      device text not null default '',
      rule_id text not null,
      definition jsonb not null,
      updated_at timestamptz not null default now(),
      primary key (site, device, rule_id)
    )`,
    // Written in the same transaction as the alert_events row, deleted once published: a crash
    // between the database write and the bus publish leaves the transition here, not lost.
    `create table if not exists alert_outbox (
      event_id bigint primary key references alert_events (id) on delete cascade,
      subject text not null,
      payload jsonb not null,
      created_at timestamptz not null default now()
    )`,
  ],
};

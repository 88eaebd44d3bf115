import type { Kysely, Selectable } from 'kysely';
import { isUndefinedTable, type AlertsTable, type Database } from '@premonitor/db';

/** Filters of the alert list; all optional, combined with AND. */
export interface AlertFilter {
  readonly status?: 'open' | 'acknowledged' | 'resolved';
  readonly severity?: 'CRITICAL' | 'WARNING' | 'INFO';
  readonly site?: string;
  readonly device?: string;
  readonly rule?: string;
  /** Alerts active at or after this time (last seen ≥ from). */
  readonly from?: Date;
  /** Alerts raised at or before this time (first seen ≤ to). */
  readonly to?: Date;
  /** Keyset: only alerts with an id below this one (the previous page's last). */
  readonly beforeId?: number;
  readonly limit: number;
}

/** An alert as the API returns it. */
export interface AlertView {
  readonly id: string;
  readonly site: string;
  readonly device: string;
  readonly rule: string;
  readonly severity: string;
  readonly status: string;
  readonly source: string;
  readonly sources: readonly string[];
  readonly title: string;
  readonly message: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
  readonly peakScore: number | null;
  readonly resolvedAt: string | null;
}

/** Newest first, `limit + 1` rows so the caller knows whether another page exists. */
export async function listAlerts(db: Kysely<Database>, filter: AlertFilter): Promise<AlertView[]> {
  let q = db.selectFrom('alerts').selectAll().orderBy('id', 'desc').limit(filter.limit + 1);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.severity) q = q.where('severity', '=', filter.severity);
  if (filter.site) q = q.where('site', '=', filter.site);
  if (filter.device) q = filter.site ? q.where('device_id', '=', `${filter.site}/${filter.device}`) : q.where('device_id', 'like', `%/${filter.device}`);
  if (filter.rule) q = q.where('rule', '=', filter.rule);
  if (filter.from) q = q.where('last_seen', '>=', filter.from);
  if (filter.to) q = q.where('first_seen', '<=', filter.to);
  if (filter.beforeId !== undefined) q = q.where('id', '<', filter.beforeId);
  return (await q.execute()).map(toView);
}

/** One alert with its transitions and notification attempts, or undefined. */
export async function getAlert(db: Kysely<Database>, id: number) {
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const [events, deliveries] = await Promise.all([
    db.selectFrom('alert_events').selectAll().where('alert_id', '=', id).orderBy('time').orderBy('id').execute(),
    // The notifier's table (a documented cross-module read, docs/ARCHITECTURE.md): absent where no notifier has run yet.
    db
      .selectFrom('deliveries')
      .selectAll()
      .where('alert_id', '=', id)
      .orderBy('time')
      .orderBy('id')
      .execute()
      .catch((err: unknown) => {
        if (isUndefinedTable(err)) return [];
        throw err;
      }),
  ]);
  return {
    ...toView(row),
    events: events.map((e) => ({ id: String(e.id), time: iso(e.time), from: e.from_status, to: e.to_status, actor: e.actor, note: e.note })),
    deliveries: deliveries.map((d) => ({
      channel: d.channel,
      idempotencyKey: d.idempotency_key,
      attempt: d.attempt,
      time: iso(d.time),
      status: d.status,
      statusCode: d.status_code,
      latencyMs: d.latency_ms,
      error: d.error,
    })),
  };
}

/** The (device, rule) of an alert, for serialising an operator's transition with the device's events. */
export async function alertKey(db: Kysely<Database>, id: number): Promise<{ site: string; device: string; rule: string } | undefined> {
  const row = await db.selectFrom('alerts').select(['site', 'device_id', 'rule']).where('id', '=', id).executeTakeFirst();
  return row && { site: row.site, device: row.device_id.slice(row.site.length + 1), rule: row.rule };
}

/** An `alerts` row as the API returns it. */
export function toView(row: Selectable<AlertsTable>): AlertView {
  const details = (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as { message?: unknown; sources?: unknown } | null;
  return {
    id: String(row.id),
    site: row.site,
    device: row.device_id.slice(row.site.length + 1),
    rule: row.rule,
    severity: row.severity,
    status: row.status,
    source: row.source,
    sources: Array.isArray(details?.sources) ? details.sources.map(String) : [row.source],
    title: row.title,
    message: typeof details?.message === 'string' ? details.message : '',
    firstSeen: iso(row.first_seen),
    lastSeen: iso(row.last_seen),
    count: Number(row.count),
    peakScore: row.peak_score,
    resolvedAt: row.resolved_at === null ? null : iso(row.resolved_at),
  };
}

function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

import { sql, type Kysely } from 'kysely';
import { alertEvent, type AlertEvent } from '@premonitor/contracts';
import type { Database, Json } from '@premonitor/db';
import type { AttemptRecord, DeadLetterView, DeliveryStore, OutboxItem, ResendOutcome } from './delivery-store.js';

/** `DeliveryStore` on the `notification_outbox` and `deliveries` tables. */
export class KyselyDeliveryStore implements DeliveryStore {
  constructor(private readonly db: Kysely<Database>) {}

  async enqueue(items: readonly { channel: string; event: AlertEvent; dueAt: Date }[]): Promise<void> {
    if (items.length === 0) return;
    await this.db
      .insertInto('notification_outbox')
      .values(
        items.map(({ channel, event, dueAt }) => ({
          channel,
          idempotency_key: event.idempotencyKey,
          alert_id: event.alertId,
          site: event.site,
          device: event.device,
          severity: event.severity,
          event: JSON.stringify(event),
          next_attempt_at: dueAt,
        })),
      )
      .onConflict((oc) => oc.columns(['channel', 'idempotency_key']).doNothing())
      .execute();
  }

  async ready(channel: string, now: Date, limit: number): Promise<OutboxItem[]> {
    const rows = await this.db
      .selectFrom('notification_outbox as o')
      .select(['o.id', 'o.channel', 'o.idempotency_key', 'o.event', 'o.attempts'])
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('deliveries as d')
              .select('d.id')
              // The key sent is `<alert key>:<channel>` (see ChannelWorker); deliveries_key_idx covers it.
              .where('d.idempotency_key', '=', sql<string>`o.idempotency_key || ':' || o.channel`)
              .where('d.channel', '=', eb.ref('o.channel'))
              .where('d.status', '=', 'delivered'),
          )
          .as('delivered_before'),
      )
      .where('o.channel', '=', channel)
      .where('o.status', '=', 'pending')
      .where('o.next_attempt_at', '<=', now)
      .orderBy('o.next_attempt_at')
      .orderBy('o.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      channel: r.channel,
      idempotencyKey: r.idempotency_key,
      // Validated on the way in; parsing again keeps the type honest without a cast.
      event: alertEvent.parse(typeof r.event === 'string' ? JSON.parse(r.event) : r.event),
      attempts: r.attempts,
      deliveredBefore: Boolean(r.delivered_before),
    }));
  }

  async nextDueAt(channel: string): Promise<Date | undefined> {
    const row = await this.db
      .selectFrom('notification_outbox')
      .select('next_attempt_at')
      .where('channel', '=', channel)
      .where('status', '=', 'pending')
      .orderBy('next_attempt_at')
      .limit(1)
      .executeTakeFirst();
    return row?.next_attempt_at;
  }

  async markDelivered(id: number): Promise<void> {
    await this.db.updateTable('notification_outbox').set({ status: 'delivered', updated_at: new Date() }).where('id', '=', id).execute();
  }

  async record(attempts: readonly AttemptRecord[]): Promise<void> {
    if (attempts.length === 0) return;
    // One statement (atomic on its own) instead of a transaction of 2 + n statements: a delivery
    // costs one round trip to record. The attempts travel as arrays unnested server-side.
    const col = <T>(f: (a: AttemptRecord) => T): T[] => attempts.map(f);
    const alertIds = col((a) => (/^\d{1,15}$/.test(a.item.event.alertId) ? a.item.event.alertId : null));
    await sql`
      with a as (
        select * from unnest(
          ${col((a) => a.item.id)}::int8[], ${alertIds}::int8[], ${col((a) => a.item.channel)}::text[], ${col((a) => a.sentKey)}::text[],
          ${col((a) => a.attempt)}::int4[], ${col((a) => a.status)}::text[], ${col((a) => a.statusCode)}::int4[], ${col((a) => a.latencyMs)}::float8[],
          ${col((a) => a.error)}::text[], ${col((a) => (a.payload === null ? null : JSON.stringify(a.payload)))}::text[],
          ${col((a) => (a.nextAttemptAt ? a.nextAttemptAt.getTime() : null))}::float8[]
        ) as u(outbox_id, alert_id, channel, sent_key, attempt, status, status_code, latency_ms, error, payload, next_at)
      ),
      inserted as (
        insert into deliveries (alert_id, channel, idempotency_key, attempt, status, status_code, latency_ms, error, payload)
        select (select al.id from alerts al where al.id = a.alert_id), a.channel, a.sent_key, a.attempt, a.status, a.status_code, a.latency_ms, a.error, a.payload::jsonb
        from a
      )
      update notification_outbox o
      set status = case when a.status = 'failed' then 'pending' else a.status end,
          attempts = a.attempt,
          last_error = a.error,
          updated_at = now(),
          next_attempt_at = coalesce(to_timestamp(a.next_at / 1000.0), o.next_attempt_at)
      from a
      where o.id = a.outbox_id`.execute(this.db);
  }

  async listDeadLetters(query: { channel?: string | undefined; site?: string | undefined; limit: number; beforeId?: number }): Promise<DeadLetterView[]> {
    let q = this.db.selectFrom('notification_outbox').selectAll().where('status', '=', 'dead');
    if (query.channel) q = q.where('channel', '=', query.channel);
    if (query.site) q = q.where('site', '=', query.site);
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      channel: r.channel,
      idempotencyKey: r.idempotency_key,
      alertId: r.alert_id,
      site: r.site,
      device: r.device,
      severity: r.severity,
      attempts: r.attempts,
      lastError: r.last_error,
      resendCount: r.resend_count,
      createdAt: r.created_at,
      deadAt: r.updated_at,
      event: (typeof r.event === 'string' ? JSON.parse(r.event) : r.event) as Json,
    }));
  }

  async resend(id: number, now: Date): Promise<ResendOutcome> {
    const updated = await this.db
      .updateTable('notification_outbox')
      .set((eb) => ({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now, resend_count: eb('resend_count', '+', 1) }))
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .returning('channel')
      .executeTakeFirst();
    if (updated) return { ok: true, channel: updated.channel };
    const exists = await this.db.selectFrom('notification_outbox').select('id').where('id', '=', id).executeTakeFirst();
    return { ok: false, reason: exists ? 'not_dead' : 'not_found' };
  }
}

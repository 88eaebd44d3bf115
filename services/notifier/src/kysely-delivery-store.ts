import { sql, type Kysely } from 'kysely';
import { alertEvent, type AlertEvent } from '@premonitor/contracts';
import type { Database, Json } from '@premonitor/db';
import type { AttemptRecord, DeadLetterView, DeliveryStore, OutboxItem, ResendOutcome } from './delivery-store.js';

/** `alerts.id` when the alert id names a row of the alerts table, else null (no FK violation). */
function alertRowId(alertId: string) {
  const n = /^\d{1,15}$/.test(alertId) ? Number(alertId) : undefined;
  return n === undefined ? null : sql<number | null>`(select id from alerts where id = ${n})`;
}

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
      .selectFrom('notification_outbox')
      .select(['id', 'channel', 'idempotency_key', 'event', 'attempts'])
      .where('channel', '=', channel)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      channel: r.channel,
      idempotencyKey: r.idempotency_key,
      // Validated on the way in; parsing again keeps the type honest without a cast.
      event: alertEvent.parse(typeof r.event === 'string' ? JSON.parse(r.event) : r.event),
      attempts: r.attempts,
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

  async hasDelivered(channel: string, sentKey: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('deliveries')
      .select('id')
      .where('idempotency_key', '=', sentKey)
      .where('channel', '=', channel)
      .where('status', '=', 'delivered')
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async markDelivered(id: number): Promise<void> {
    await this.db.updateTable('notification_outbox').set({ status: 'delivered', updated_at: new Date() }).where('id', '=', id).execute();
  }

  async record(attempts: readonly AttemptRecord[]): Promise<void> {
    if (attempts.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('deliveries')
        .values(
          attempts.map((a) => ({
            alert_id: alertRowId(a.item.event.alertId),
            channel: a.item.channel,
            idempotency_key: a.sentKey,
            attempt: a.attempt,
            status: a.status,
            status_code: a.statusCode,
            latency_ms: a.latencyMs,
            error: a.error,
            payload: a.payload === null ? null : JSON.stringify(a.payload),
          })),
        )
        .execute();
      for (const a of attempts) {
        await tx
          .updateTable('notification_outbox')
          .set({
            status: a.status === 'failed' ? 'pending' : a.status,
            attempts: a.attempt,
            last_error: a.error,
            updated_at: new Date(),
            ...(a.nextAttemptAt ? { next_attempt_at: a.nextAttemptAt } : {}),
          })
          .where('id', '=', a.item.id)
          .execute();
      }
    });
  }

  async listDeadLetters(query: { channel?: string; limit: number; beforeId?: number }): Promise<DeadLetterView[]> {
    let q = this.db.selectFrom('notification_outbox').selectAll().where('status', '=', 'dead');
    if (query.channel) q = q.where('channel', '=', query.channel);
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

import { sql, type Kysely } from 'kysely';
import { alertEvent, type AlertEvent } from '@premonitor/contracts';
import type { Database, Json } from '@premonitor/db';
import type { AttemptRecord, DeadLetterView, DeliveryStore, OutboxItem, ResendOutcome } from './delivery-store.js';

/** First key of the advisory lock that serialises outbox claims (second: the channel's hash); 'pmno' in ASCII. */
const OUTBOX_CLAIM_LOCK_CLASS = 0x706d6e6f;

interface ClaimedRow {
  id: number | string;
  channel: string;
  idempotency_key: string;
  event: Json;
  attempts: number;
  next_attempt_at: Date | string;
  delivered_before: boolean;
}

/** `DeliveryStore` on the `notification_outbox` and `deliveries` tables. */
export class KyselyDeliveryStore implements DeliveryStore {
  /**
   * @param claimant names this process in `claimed_by`: unique per process start, so a
   *   restarted notifier does not mistake the leases of its killed predecessor for its own.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly claimant: string,
  ) {}

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

  /**
   * Claims the due rows of a channel for `leaseMs` and returns them, oldest first. A row is
   * claimable when no other replica holds a live lease on it or on an earlier pending
   * transition of the same alert (transitions of one alert go out in order, from one replica
   * at a time); this process's own claims are claimable again, which renews them. Claims of one
   * channel are serialised by a transaction-scoped advisory lock: without it two replicas
   * claiming at the same instant could each take a different transition of one alert, since
   * neither sees the other's uncommitted lease. `SKIP LOCKED` passes over rows another replica
   * is recording right now instead of waiting for them.
   */
  async ready(channel: string, now: Date, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    const me = this.claimant;
    const rows = await this.db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(${OUTBOX_CLAIM_LOCK_CLASS}, hashtext(${channel}))`.execute(tx);
      const claimed = await sql<ClaimedRow>`
        update notification_outbox o
        set claimed_by = ${me}, lease_until = now() + make_interval(secs => ${leaseMs / 1000})
        from (
          select c.id from notification_outbox c
          where c.channel = ${channel} and c.status = 'pending' and c.next_attempt_at <= ${now}
            and (c.lease_until is null or c.lease_until <= now() or c.claimed_by = ${me})
            and not exists (
              select 1 from notification_outbox e
              where e.channel = c.channel and e.alert_id = c.alert_id and e.status = 'pending' and e.id < c.id
                and e.claimed_by <> ${me} and e.lease_until > now())
          order by c.next_attempt_at, c.id
          limit ${limit}
          for update of c skip locked
        ) picked
        where o.id = picked.id
        returning o.id, o.channel, o.idempotency_key, o.event, o.attempts, o.next_attempt_at,
          exists (
            -- The key sent is '<alert key>:<channel>' (see ChannelWorker); deliveries_key_idx covers it.
            select 1 from deliveries d
            where d.idempotency_key = o.idempotency_key || ':' || o.channel and d.channel = o.channel and d.status = 'delivered'
          ) as delivered_before`.execute(tx);
      return claimed.rows;
    });
    // RETURNING keeps no order.
    rows.sort((a, b) => new Date(a.next_attempt_at).getTime() - new Date(b.next_attempt_at).getTime() || Number(a.id) - Number(b.id));
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

  /**
   * When the next pending row of a channel can be claimed: its due time, or later while
   * another replica's lease holds it or an earlier transition of its alert.
   */
  async nextDueAt(channel: string): Promise<Date | undefined> {
    const me = this.claimant;
    const { rows } = await sql<{ at: Date | string | null }>`
      select min(greatest(
        o.next_attempt_at,
        case when o.claimed_by <> ${me} then o.lease_until end,
        (select max(e.lease_until) from notification_outbox e
          where e.channel = o.channel and e.alert_id = o.alert_id and e.status = 'pending' and e.id < o.id and e.claimed_by <> ${me})
      )) as at
      from notification_outbox o
      where o.channel = ${channel} and o.status = 'pending'`.execute(this.db);
    const at = rows[0]?.at;
    return at === null || at === undefined ? undefined : new Date(at);
  }

  async releaseClaims(): Promise<void> {
    await this.db.updateTable('notification_outbox').set({ claimed_by: null, lease_until: null }).where('claimed_by', '=', this.claimant).where('status', '=', 'pending').execute();
  }

  async markDelivered(id: number): Promise<void> {
    await this.db.updateTable('notification_outbox').set({ status: 'delivered', updated_at: new Date(), claimed_by: null, lease_until: null }).where('id', '=', id).execute();
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
          next_attempt_at = coalesce(to_timestamp(a.next_at / 1000.0), o.next_attempt_at),
          claimed_by = null,
          lease_until = null
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
      .set((eb) => ({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now, resend_count: eb('resend_count', '+', 1), claimed_by: null, lease_until: null }))
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .returning('channel')
      .executeTakeFirst();
    if (updated) return { ok: true, channel: updated.channel };
    const exists = await this.db.selectFrom('notification_outbox').select('id').where('id', '=', id).executeTakeFirst();
    return { ok: false, reason: exists ? 'not_dead' : 'not_found' };
  }
}
